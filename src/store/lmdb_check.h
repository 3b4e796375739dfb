// A structural check of an LMDB data file, run before LMDB maps it.
//
// LMDB trusts its file: a damaged page (a node offset, a key size, a child page number) makes it
// read outside the page or the file, and a read beyond the end of a mapped file is a SIGBUS.
// "Bad input never crashes the process" applies to a damaged or tampered store too, so before
// the store opens a file, this check walks every page LMDB can reach from the current meta page,
// reading the file with pread (never through a mapping), and verifies what LMDB would otherwise
// take on trust: page numbers within the file, the page number each page records, page types,
// node bounds, key sizes, overflow runs, no page reached twice, a uniform tree depth equal to
// the recorded one, sorted keys, and the free-page lists. It reads only tree pages and overflow
// headers (the few pages of the trees, not the data), so it stays fast on large stores.
//
// It knows the on-disk format of LMDB 0.9 (data version 1, the format of Debian's liblmdb) as
// the store uses it: the main database with plain keys and values (no named or duplicate-sorted
// databases) plus LMDB's free-page database. Anything else is reported as damage.
#pragma once

#include <string>

#include "stoffel/result.h"

namespace stoffel::store {

// Ok if LMDB can open and use the file at `path` without reading outside it; otherwise an error
// that says what is wrong ("page 12: node 3 extends beyond the page").
Result<void> check_lmdb_file(const std::string& path);

}  // namespace stoffel::store
