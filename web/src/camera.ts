// The browser camera, shared by enrollment, class photos and the student
// check-in page: starting a stream (with the same plain-words errors
// everywhere), showing it in a <video>, stopping it, and taking a still.
import { useEffect, useRef, useState } from "preact/hooks";

// Why the camera did not start, in words; `instead` says what to do then.
export function cameraError(e: Error, instead: string): string {
  if (e.name === "NotAllowedError") {
    return `Camera permission was denied. Allow the camera for this site in the browser's settings, ${instead}.`;
  }
  if (e.name === "NotFoundError") return `No camera was found on this device; ${instead}.`;
  return `The camera could not start: ${e.message}`;
}

export function cameraMissing(): string | undefined {
  return typeof navigator.mediaDevices?.getUserMedia === "function"
    ? undefined
    : "This browser cannot use a camera here (it needs HTTPS or localhost, in Chrome, Firefox or Safari).";
}

// Shows `stream` in `video` once both exist.
export function showStream(video: HTMLVideoElement | null, stream: MediaStream) {
  if (!video) return;
  video.srcObject = stream;
  video.play().catch(() => undefined);
}

export function stopStream(stream: MediaStream | null | undefined) {
  stream?.getTracks().forEach((t) => t.stop());
}

// The video's current frame as a JPEG.
export function snapshot(video: HTMLVideoElement | null): Promise<Blob | null> {
  if (!video || !video.videoWidth) return Promise.resolve(null);
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d")!.drawImage(video, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
}

// A camera that runs while the component is shown: its <video> ref and
// the error, if it could not start.
export function useCamera(video: MediaTrackConstraints, instead: string) {
  const ref = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | undefined>(cameraMissing);
  useEffect(() => {
    if (cameraMissing()) return;
    let stream: MediaStream | undefined;
    let stopped = false;
    navigator.mediaDevices.getUserMedia({ video, audio: false }).then(
      (s) => {
        if (stopped) return stopStream(s);
        stream = s;
        showStream(ref.current, s);
      },
      (e: Error) => setError(cameraError(e, instead)),
    );
    return () => {
      stopped = true;
      stopStream(stream);
    };
  }, []);
  return { ref, error };
}
