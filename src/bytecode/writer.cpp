#include "bytecode/writer.h"
