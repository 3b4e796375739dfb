#include "bytecode/assembler.h"
