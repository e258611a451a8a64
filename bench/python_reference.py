#!/usr/bin/python3
"""The bar to beat: a straightforward Python + OpenCV 4.6 pipeline with the
same models and settings as ../shared/models/README.md (read, detect at the
image's own size, align, embed all faces as one batch). Prints JSON timings.
Run by `rollcall bench --python`; needs Debian's python3-opencv."""
import argparse
import json
import time

import cv2
import numpy as np

TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)


def similarity(src, dst):
    """Least-squares similarity transform (Umeyama) from src to dst."""
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    norm = (s ** 2).sum()
    a = (s * d).sum() / norm
    b = (s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum() / norm
    t = md - np.array([a * ms[0] - b * ms[1], b * ms[0] + a * ms[1]])
    return np.array([[a, -b, t[0]], [b, a, t[1]]])


def run(path, detector, net):
    image = cv2.imread(path)
    detector.setInputSize((image.shape[1], image.shape[0]))
    _, faces = detector.detect(image)
    faces = [] if faces is None else faces
    crops = [cv2.warpAffine(image, similarity(f[4:14].reshape(5, 2).astype(np.float64), TEMPLATE),
                            (112, 112)) for f in faces]
    if crops:
        net.setInput(cv2.dnn.blobFromImages(crops, 1.0 / 128, (112, 112), (127, 127, 127), swapRB=True))
        out = net.forward().reshape(len(crops), -1)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
    return len(crops)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--detector", required=True)
    parser.add_argument("--recogniser", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("image")
    args = parser.parse_args()
    detector = cv2.FaceDetectorYN.create(args.detector, "", (320, 320), 0.6, 0.3, 5000)
    net = cv2.dnn.readNetFromONNX(args.recogniser)
    faces = run(args.image, detector, net)  # warm-up
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        run(args.image, detector, net)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "faces": faces}))


if __name__ == "__main__":
    main()
