#include "bytecode/verifier.h"
