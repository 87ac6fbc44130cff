#include "serve/block_pool.hpp"

#include <algorithm>

#include "transformers/errors.hpp"

namespace transformers::serve {

BlockPool::BlockPool(int64_t num_blocks, int64_t block_size) : blocks_(static_cast<size_t>(num_blocks)), block_size_(block_size) {
  if (num_blocks <= 0 || block_size <= 0) throw ValueError("BlockPool: the block count and size must be positive");
  for (int32_t b = 0; b < static_cast<int32_t>(num_blocks); ++b) blocks_[static_cast<size_t>(b)].free_at = free_.insert(free_.end(), b);
}

uint64_t BlockPool::key_of(uint64_t parent, const int64_t* tokens) const {
  // splitmix64-style mixing of the parent key and each token.
  uint64_t h = parent ^ 0x9e3779b97f4a7c15ull;
  for (int64_t i = 0; i < block_size_; ++i) {
    h ^= static_cast<uint64_t>(tokens[i]) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    h ^= h >> 31;
  }
  return h == 0 ? 1 : h;  // 0 is "no parent"
}

std::optional<int32_t> BlockPool::allocate() {
  if (free_.empty()) return std::nullopt;
  const int32_t b = free_.front();
  free_.pop_front();
  Block& B = blocks_[static_cast<size_t>(b)];
  if (B.key) {
    auto it = cached_.find(*B.key);
    if (it != cached_.end() && it->second == b) cached_.erase(it);
    B.key.reset();
    B.tokens.clear();
  }
  B.refs = 1;
  B.free_at = free_.end();
  return b;
}

void BlockPool::release(int32_t b) {
  Block& B = blocks_.at(static_cast<size_t>(b));
  if (B.refs <= 0) throw Error("BlockPool: block " + std::to_string(b) + " released twice");
  if (--B.refs == 0) B.free_at = free_.insert(free_.end(), b);
}

std::vector<int32_t> BlockPool::match_prefix(const std::vector<int64_t>& tokens, int64_t max_blocks, std::vector<uint64_t>& keys) {
  std::vector<int32_t> out;
  keys.clear();
  uint64_t parent = 0;
  for (int64_t i = 0; i < max_blocks && (i + 1) * block_size_ <= static_cast<int64_t>(tokens.size()); ++i) {
    const int64_t* t = tokens.data() + i * block_size_;
    const uint64_t key = key_of(parent, t);
    auto it = cached_.find(key);
    if (it == cached_.end()) break;
    Block& B = blocks_[static_cast<size_t>(it->second)];
    if (B.parent != parent || !std::equal(B.tokens.begin(), B.tokens.end(), t)) break;
    if (B.refs++ == 0) {
      free_.erase(B.free_at);
      B.free_at = free_.end();
    }
    out.push_back(it->second);
    keys.push_back(key);
    parent = key;
  }
  return out;
}

uint64_t BlockPool::register_full(int32_t b, uint64_t parent, const int64_t* tokens) {
  Block& B = blocks_.at(static_cast<size_t>(b));
  const uint64_t key = key_of(parent, tokens);
  if (B.key) return *B.key;  // already registered (a shared prefix block)
  if (cached_.count(key)) return key;  // another block holds this prefix; this one stays private
  B.key = key;
  B.parent = parent;
  B.tokens.assign(tokens, tokens + block_size_);
  cached_[key] = b;
  return key;
}

}  // namespace transformers::serve
