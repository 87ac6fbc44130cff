#pragma once
// The paged KV cache's block bookkeeping: a pool of fixed-size blocks with reference counts and a
// prefix cache of full blocks. A full block is keyed by a hash of its tokens chained with the key
// of the block before it, so equal keys mean equal prefixes; its tokens are kept and compared too,
// so a hash collision cannot share wrong keys. Freed blocks keep their key and return to the
// free list's tail; they are reused least recently freed first, and a later request with the same
// prefix takes them back before that. Only full blocks are shared, and a sequence only ever writes
// into its own last (partial) block, so sequences never write to a shared block: where two
// prompts diverge inside a block, each recomputes that block in its own copy.
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace transformers::serve {

class BlockPool {
 public:
  BlockPool(int64_t num_blocks, int64_t block_size);
  int64_t num_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t block_size() const { return block_size_; }
  int64_t num_free() const { return static_cast<int64_t>(free_.size()); }
  int64_t num_used() const { return num_blocks() - num_free(); }

  // A free block (refcount 1), dropping the cached prefix it held; nullopt when none is free.
  std::optional<int32_t> allocate();
  // Drops one reference; at zero the block becomes free (its prefix key stays until reuse).
  void release(int32_t block);
  // The longest run of cached full blocks that starts `tokens`, at most max_blocks of them, each
  // taken (refcount + 1). `keys` receives their chained keys.
  std::vector<int32_t> match_prefix(const std::vector<int64_t>& tokens, int64_t max_blocks, std::vector<uint64_t>& keys);
  // Block `block`, now full with tokens[first, first + block_size), becomes a cached prefix block
  // under the key chained from `parent` (0 for the first block); returns that key.
  uint64_t register_full(int32_t block, uint64_t parent, const int64_t* tokens);

 private:
  struct Block {
    int64_t refs = 0;
    std::optional<uint64_t> key;
    uint64_t parent = 0;
    std::vector<int64_t> tokens;
    std::list<int32_t>::iterator free_at;
  };
  uint64_t key_of(uint64_t parent, const int64_t* tokens) const;
  std::vector<Block> blocks_;
  std::list<int32_t> free_;
  std::unordered_map<uint64_t, int32_t> cached_;
  int64_t block_size_;
};

}  // namespace transformers::serve
