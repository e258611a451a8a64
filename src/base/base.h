// src/base/base.h
//
// The base module: vocabulary every other module shares.
// Owns: Result and Error (result.h), typed ids (ids.h), time (clock.h).
// Depends on: the standard library only.
#pragma once

#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"
