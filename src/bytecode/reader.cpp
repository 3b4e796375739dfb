#include "bytecode/reader.h"
