#include "store/lmdb_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace stoffel::store {

namespace {

// LMDB 0.9 on-disk constants (lmdb's mdb.c: MDB_page, MDB_node, MDB_db, MDB_meta).
constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::uint32_t kDataVersion = 1;
constexpr std::uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMeta = 0x08;
constexpr std::uint16_t kBigData = 0x01;  // leaf node: the value is on overflow pages
constexpr std::uint16_t kIntegerKey = 0x08, kNoSubdir = 0x4000;
constexpr std::uint64_t kNoPage = ~std::uint64_t{0};
constexpr std::size_t kPageHeader = 16;  // pgno u64, pad u16, flags u16, lower u16, upper u16
constexpr std::size_t kNodeHeader = 8;   // lo u16, hi u16, flags u16, key size u16
constexpr std::size_t kMaxKey = 511;
constexpr unsigned kMaxDepth = 32;  // LMDB's cursor stack
constexpr std::size_t kMetaBytes = kPageHeader + 136;

std::uint16_t u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(u16(p)) | (static_cast<std::uint32_t>(u16(p + 2)) << 16);
}
std::uint64_t u64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(u32(p)) | (static_cast<std::uint64_t>(u32(p + 4)) << 32);
}

struct Db {
  std::uint32_t pad = 0;
  std::uint16_t flags = 0, depth = 0;
  std::uint64_t entries = 0, root = kNoPage;
};

struct Meta {
  std::uint16_t page_flags = 0;
  std::uint32_t magic = 0, version = 0;
  Db dbs[2];
  std::uint64_t last_pg = 0, txnid = 0;
};

Db read_db(const std::uint8_t* p) {
  Db d;
  d.pad = u32(p);
  d.flags = u16(p + 4);
  d.depth = u16(p + 6);
  d.entries = u64(p + 32);
  d.root = u64(p + 40);
  return d;
}

Meta read_meta(const std::uint8_t* page) {
  Meta m;
  m.page_flags = u16(page + 10);
  const std::uint8_t* p = page + kPageHeader;
  m.magic = u32(p);
  m.version = u32(p + 4);
  m.dbs[0] = read_db(p + 24);
  m.dbs[1] = read_db(p + 72);
  m.last_pg = u64(p + 120);
  m.txnid = u64(p + 128);
  return m;
}

Error damaged(const std::string& what) {
  return make_error(ErrorKind::Store, "damaged LMDB file: " + what);
}

class Checker {
 public:
  Checker(int fd, std::uint64_t size) : fd_(fd), size_(size) {}

  Result<void> run() {
    std::vector<std::uint8_t> head(kMetaBytes);
    if (size_ < kMetaBytes)
      return damaged("the file is truncated (" + std::to_string(size_) +
                     " bytes, not even a meta page)");
    if (auto ok = read_at(0, head.data(), head.size()); !ok) return ok;
    const Meta m0 = read_meta(head.data());
    psize_ = m0.dbs[0].pad;
    if (psize_ < 512 || psize_ > 0x8000 || (psize_ & (psize_ - 1)) != 0) {
      return damaged("page size " + std::to_string(psize_) +
                     " is not a power of two in 512..32768");
    }
    if (size_ < 2 * std::uint64_t{psize_}) {
      return damaged("the file is truncated (" + std::to_string(size_) + " bytes, page size " +
                     std::to_string(psize_) + ")");
    }
    if (auto ok = read_at(psize_, head.data(), head.size()); !ok) return ok;
    const Meta m1 = read_meta(head.data());
    for (const Meta* m : {&m0, &m1}) {
      const int which = m == &m0 ? 0 : 1;
      if ((m->page_flags & kMeta) == 0 || m->magic != kMagic) {
        return damaged("meta page " + std::to_string(which) + " is not an LMDB meta page");
      }
      if (m->version != kDataVersion) {
        return damaged("meta page " + std::to_string(which) + " has format version " +
                       std::to_string(m->version) + ", expected " + std::to_string(kDataVersion));
      }
    }
    // LMDB uses the meta page with the higher transaction id (the first on a tie).
    const Meta& m = m1.txnid > m0.txnid ? m1 : m0;
    if (m.dbs[0].pad != psize_) return damaged("the meta pages disagree on the page size");
    if ((m.dbs[0].flags & ~kNoSubdir) != kIntegerKey) {
      return damaged("unexpected free-list flags " + std::to_string(m.dbs[0].flags));
    }
    if (m.dbs[1].flags != 0) {
      return damaged("unexpected database flags " + std::to_string(m.dbs[1].flags));
    }
    file_pages_ = size_ / psize_;
    last_pg_ = m.last_pg;
    if (last_pg_ < 1) return damaged("last page " + std::to_string(last_pg_) + " is below 1");
    // Pages beyond the end of the file may only be free ones (LMDB writes them before use); the
    // trees must lie inside the file.
    limit_ = std::min(last_pg_ + 1, file_pages_);
    seen_.assign(static_cast<std::size_t>(limit_), 0);
    txnid_ = m.txnid;

    if (auto ok = tree(m.dbs[0], true); !ok) return ok;
    if (auto ok = tree(m.dbs[1], false); !ok) return ok;

    std::sort(free_.begin(), free_.end());
    for (std::size_t i = 0; i < free_.size(); ++i) {
      const std::uint64_t p = free_[i];
      if (i > 0 && free_[i - 1] == p) {
        return damaged("page " + std::to_string(p) + " is listed as free twice");
      }
      if (p < limit_ && seen_[static_cast<std::size_t>(p)]) {
        return damaged("page " + std::to_string(p) + " is listed as free but in use");
      }
    }
    if (last_pg_ + 1 > file_pages_) {
      // Every page past the end of the file must be free.
      if (last_pg_ + 1 - file_pages_ > free_.size()) {
        return damaged("the file is truncated (" + std::to_string(file_pages_) + " pages of " +
                       std::to_string(last_pg_ + 1) + ")");
      }
      for (std::uint64_t p = file_pages_; p <= last_pg_; ++p) {
        if (!std::binary_search(free_.begin(), free_.end(), p)) {
          return damaged("the file is truncated (page " + std::to_string(p) + " is missing)");
        }
      }
    }
    return {};
  }

 private:
  Result<void> read_at(std::uint64_t offset, std::uint8_t* out, std::size_t bytes) const {
    if (offset > size_ || bytes > size_ - offset) {
      return damaged("the file is truncated (read of " + std::to_string(bytes) + " bytes at " +
                     std::to_string(offset) + ", file size " + std::to_string(size_) + ")");
    }
    std::size_t done = 0;
    while (done < bytes) {
      const ssize_t r = ::pread(fd_, out + done, bytes - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        return make_error(ErrorKind::Store,
                          std::string("reading the LMDB file: ") +
                              (r < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      done += static_cast<std::size_t>(r);
    }
    return {};
  }

  // Marks page p used by a tree; it must be inside the file and not reached before.
  Result<void> claim(std::uint64_t p, const char* what) {
    if (p < 2 || p >= limit_) {
      return damaged(std::string(what) + " page number " + std::to_string(p) +
                     " is outside the file (" + std::to_string(limit_) + " pages)");
    }
    if (seen_[static_cast<std::size_t>(p)]) {
      return damaged("page " + std::to_string(p) + " is reached twice");
    }
    seen_[static_cast<std::size_t>(p)] = 1;
    return {};
  }

  Result<void> tree(const Db& db, bool free_db) {
    const char* name = free_db ? "free list" : "main database";
    if (db.root == kNoPage) {
      if (db.depth != 0)
        return damaged(std::string(name) + ": empty but depth " + std::to_string(db.depth));
      return {};
    }
    if (db.depth == 0 || db.depth > kMaxDepth) {
      return damaged(std::string(name) + ": depth " + std::to_string(db.depth));
    }
    have_prev_ = false;
    prev_key_.clear();
    unsigned leaf_level = 0;
    if (auto ok = walk(db.root, 1, db.depth, free_db, leaf_level); !ok) return ok;
    return {};
  }

  Result<void> walk(std::uint64_t pgno, unsigned level, unsigned depth, bool free_db,
                    unsigned& leaf_level) {
    if (level > depth) {
      return damaged("page " + std::to_string(pgno) + " is deeper than the recorded depth " +
                     std::to_string(depth));
    }
    if (auto ok = claim(pgno, "tree"); !ok) return ok;
    std::vector<std::uint8_t> page(psize_);
    if (auto ok = read_at(pgno * psize_, page.data(), page.size()); !ok) return ok;
    const std::string where = "page " + std::to_string(pgno);
    if (u64(page.data()) != pgno) {
      return damaged(where + " records page number " + std::to_string(u64(page.data())));
    }
    const std::uint16_t flags = u16(page.data() + 10);
    if (flags != kBranch && flags != kLeaf) {
      return damaged(where + " has type flags " + std::to_string(flags) +
                     " where a branch or leaf page belongs");
    }
    const bool leaf = flags == kLeaf;
    if (leaf != (level == depth)) {
      return damaged(where + (leaf ? " is a leaf above the bottom of the tree"
                                   : " is a branch at the bottom of the tree"));
    }
    const std::size_t lower = u16(page.data() + 12), upper = u16(page.data() + 14);
    if (lower < kPageHeader || lower > upper || upper > psize_ || (lower - kPageHeader) % 2 != 0) {
      return damaged(where + " has free-space bounds " + std::to_string(lower) + ".." +
                     std::to_string(upper));
    }
    const std::size_t keys = (lower - kPageHeader) / 2;
    // LMDB asserts that branch pages of a database hold at least two keys.
    if (!leaf && keys < (free_db ? 1u : 2u)) {
      return damaged(where + " is a branch page with " + std::to_string(keys) + " keys");
    }
    for (std::size_t i = 0; i < keys; ++i) {
      const std::size_t off = u16(page.data() + kPageHeader + 2 * i);
      const std::string node = where + ", node " + std::to_string(i);
      if (off < upper || off % 2 != 0 || off + kNodeHeader > psize_) {
        return damaged(node + " is at offset " + std::to_string(off));
      }
      const std::uint8_t* n = page.data() + off;
      const std::size_t ksize = u16(n + 6);
      if (ksize > kMaxKey || off + kNodeHeader + ksize > psize_) {
        return damaged(node + ": key of " + std::to_string(ksize) + " bytes does not fit");
      }
      if (!leaf) {
        const std::uint64_t child = static_cast<std::uint64_t>(u16(n)) |
                                    (static_cast<std::uint64_t>(u16(n + 2)) << 16) |
                                    (static_cast<std::uint64_t>(u16(n + 4)) << 32);
        if (auto ok = walk(child, level + 1, depth, free_db, leaf_level); !ok) return ok;
        continue;
      }
      const std::uint16_t nflags = u16(n + 4);
      const std::uint64_t dsize =
          static_cast<std::uint64_t>(u16(n)) | (static_cast<std::uint64_t>(u16(n + 2)) << 16);
      if (nflags != 0 && nflags != kBigData) {
        return damaged(node + " has flags " + std::to_string(nflags));
      }
      const std::uint8_t* key = n + kNodeHeader;
      if (auto ok = check_order(key, ksize, free_db, node); !ok) return ok;
      std::vector<std::uint8_t> data;
      if (nflags == kBigData) {
        if (off + kNodeHeader + ksize + 8 > psize_)
          return damaged(node + ": overflow reference does not fit");
        const std::uint64_t ov = u64(key + ksize);
        if (auto ok = overflow(ov, dsize, free_db ? &data : nullptr, node); !ok) return ok;
      } else {
        if (off + kNodeHeader + ksize + dsize > psize_) {
          return damaged(node + ": value of " + std::to_string(dsize) + " bytes does not fit");
        }
        if (free_db) data.assign(key + ksize, key + ksize + dsize);
      }
      if (free_db) {
        if (auto ok = free_record(data, node); !ok) return ok;
      }
    }
    if (leaf) {
      if (leaf_level == 0) leaf_level = level;
      if (leaf_level != level) return damaged(where + ": leaves at different depths");
    }
    return {};
  }

  // Keys must increase along the leaves: LMDB's binary search relies on it. The free list uses
  // 8-byte integer keys (transaction ids, none above the current one); the main database compares
  // bytes, a shorter key first on a tie (LMDB's default order).
  Result<void> check_order(const std::uint8_t* key, std::size_t ksize, bool free_db,
                           const std::string& node) {
    if (free_db) {
      if (ksize != 8)
        return damaged(node + ": free-list key of " + std::to_string(ksize) + " bytes");
      const std::uint64_t id = u64(key);
      if (id > txnid_) return damaged(node + ": free-list entry of a future transaction");
      if (have_prev_ && id <= prev_id_) return damaged(node + ": free-list keys out of order");
      prev_id_ = id;
    } else if (have_prev_) {
      const std::size_t common = std::min(ksize, prev_key_.size());
      const int c = std::memcmp(prev_key_.data(), key, common);
      if (c > 0 || (c == 0 && prev_key_.size() >= ksize))
        return damaged(node + ": keys out of order");
    }
    if (!free_db) prev_key_.assign(key, key + ksize);
    have_prev_ = true;
    return {};
  }

  Result<void> overflow(std::uint64_t pgno, std::uint64_t dsize, std::vector<std::uint8_t>* data,
                        const std::string& node) {
    if (pgno < 2 || pgno >= limit_) {
      return damaged(node + ": overflow page " + std::to_string(pgno) + " is outside the file");
    }
    std::uint8_t head[kPageHeader];
    if (auto ok = read_at(pgno * psize_, head, sizeof head); !ok) return ok;
    const std::uint64_t pages = u32(head + 12);
    if (u64(head) != pgno || u16(head + 10) != kOverflow || pages == 0) {
      return damaged(node + ": page " + std::to_string(pgno) + " is not an overflow page");
    }
    if (pages > limit_ - pgno || dsize > pages * psize_ - kPageHeader) {
      return damaged(node + ": overflow run of " + std::to_string(pages) + " pages at " +
                     std::to_string(pgno) + " does not hold " + std::to_string(dsize) +
                     " bytes inside the file");
    }
    for (std::uint64_t p = pgno; p < pgno + pages; ++p) {
      if (auto ok = claim(p, "overflow"); !ok) return ok;
    }
    if (data != nullptr) {
      data->resize(static_cast<std::size_t>(dsize));
      if (auto ok = read_at(pgno * psize_ + kPageHeader, data->data(), data->size()); !ok)
        return ok;
    }
    return {};
  }

  // A free-list value: u64 count, then count page numbers (LMDB reuses them for writing).
  Result<void> free_record(const std::vector<std::uint8_t>& data, const std::string& node) {
    if (data.size() < 8 || data.size() % 8 != 0 || u64(data.data()) != data.size() / 8 - 1) {
      return damaged(node + ": malformed free-page list");
    }
    for (std::size_t i = 8; i < data.size(); i += 8) {
      const std::uint64_t p = u64(data.data() + i);
      if (p < 2 || p > last_pg_) {
        return damaged(node + ": free page " + std::to_string(p) + " is outside the database");
      }
      free_.push_back(p);
    }
    return {};
  }

  int fd_;
  std::uint64_t size_;
  std::uint32_t psize_ = 0;
  std::uint64_t file_pages_ = 0, limit_ = 0, last_pg_ = 0, txnid_ = 0;
  std::vector<std::uint8_t> seen_;
  std::vector<std::uint64_t> free_;
  bool have_prev_ = false;
  std::uint64_t prev_id_ = 0;
  std::vector<std::uint8_t> prev_key_;
};

}  // namespace

Result<void> check_lmdb_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorKind::Store, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return make_error(ErrorKind::Store, "cannot stat " + path + ": " + std::strerror(e));
  }
  Checker checker(fd, static_cast<std::uint64_t>(st.st_size));
  auto ok = checker.run();
  ::close(fd);
  if (!ok) return make_error(ErrorKind::Store, path + ": " + ok.error().message);
  return {};
}

}  // namespace stoffel::store
