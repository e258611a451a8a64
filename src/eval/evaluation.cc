#include "eval/dataset.h"
