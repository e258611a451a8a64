// src/face/landmark_motion.h
//
// Landmark motion: how far the 5 landmarks of one face, seen in several
// frames, move in ways a flat picture cannot. A photo or a screen held up
// to the camera is a plane: between two frames its landmarks follow an
// affine map (exactly for a parallel projection, nearly for a phone held
// at arm's length). A live head that turns, nods or talks moves its nose
// out of the plane of the eyes and its mouth corners against the eyes,
// which no affine map explains.
// Owns: the measure (docs/ACCURACY.md "Liveness (issue 6)"). Leaves to
// others: the threshold (LivenessPolicy in capture.h).
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "face/types.h"

namespace rollcall::face {

// The RMS distance between `to` and the least-squares affine image of
// `from` (6 parameters fitted to 10 coordinates), divided by the mean
// distance between the eyes in the two frames. 0 for a rigid plane; the
// detector's landmark noise adds ~0.01 (measured, docs/ACCURACY.md).
float non_rigid_residual(const Landmarks& from, const Landmarks& to);

// The residual of every pair of frames (i < j), largest first.
std::vector<float> pairwise_residuals(std::span<const Landmarks> frames);

// The motion of a sequence: the second-largest pairwise residual, so that
// one frame's landmark glitch in one pair cannot pass a still picture on
// its own, while a head that moves in a single frame of ten (9 pairs)
// still counts. A face that never moves has residuals at noise level, so
// the measure also demands movement. Empty with fewer than 2 frames; with
// exactly 2, the one pair's residual.
std::optional<float> landmark_motion(std::span<const Landmarks> frames);

}  // namespace rollcall::face
