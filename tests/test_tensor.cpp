#include "test_util.hpp"

using namespace transformers;

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::from_floats({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor tt = t.transpose(0, 1);
  EXPECT_EQ(tt.shape(), (Shape{3, 2}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.item({2, 1}), 5.0);
  Tensor c = tt.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.to_floats(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor s = t.slice(1, 1, 3);
  EXPECT_EQ(s.to_floats(), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_EQ(t.select(0, 1).to_floats(), (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(t.slice(1, 0, 3, 2).to_floats(), (std::vector<float>{0, 2, 3, 5}));
  EXPECT_EQ(t.view({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_EQ(t.unsqueeze(0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(t.unsqueeze(0).squeeze(0).shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data_ptr(), t.view({6}).data_ptr());
  EXPECT_THROW(tt.view({6}), ShapeMismatch);
  EXPECT_EQ(tt.reshape({6}).to_floats(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_THROW(t.view({4, 2}), ShapeMismatch);
  EXPECT_THROW(t.select(0, 2), ShapeMismatch);
  EXPECT_THROW(t.transpose(0, 2), ShapeMismatch);
}

TEST(Tensor, PermuteMatchesIndexing) {
  Tensor t = testutil::randn({2, 3, 4, 5}, 1);
  Tensor p = t.permute({2, 0, 3, 1}).contiguous();
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t d = 0; d < 5; ++d) ASSERT_EQ(p.item({c, a, d, b}), t.item({a, b, c, d}));
}

TEST(Tensor, Casts) {
  Tensor t = Tensor::from_floats({1.0f, -2.5f, 3.140625f, 65504.0f}, {4});
  EXPECT_EQ(t.to(DType::BF16).to(DType::F32).to_floats(), (std::vector<float>{1.0f, -2.5f, 3.140625f, 65536.0f}));
  EXPECT_EQ(t.to(DType::F16).to(DType::F32).to_floats(), t.to_floats());
  EXPECT_EQ(t.to(DType::I64).to_ints(), (std::vector<int64_t>{1, -2, 3, 65504}));
  EXPECT_EQ(t.to(DType::F32).data_ptr(), t.data_ptr());  // same dtype: no copy
  Tensor b = Tensor::from_ints({0, 3, 0}, {3}).to(DType::Bool);
  EXPECT_EQ(b.to_floats(), (std::vector<float>{0, 1, 0}));
}

TEST(Tensor, FromBlobIsZeroCopy) {
  auto buf = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4});
  Tensor t = Tensor::from_blob(buf->data(), {2, 2}, DType::F32, buf);
  EXPECT_EQ(t.data_ptr(), buf->data());
  EXPECT_TRUE(t.shares_memory_with(buf->data(), 16));
  buf.reset();  // the tensor keeps it alive
  EXPECT_EQ(t.item({1, 1}), 4.0);
}

TEST(Tensor, DevicesWithoutCuda) {
  EXPECT_EQ(Device::parse("cuda:1").index, 1);
  EXPECT_THROW(Device::parse("tpu"), ValueError);
  Tensor t = Tensor::from_floats({1, 2}, {2});
  if (!env_info().cuda_compiled) {
    EXPECT_THROW(t.to(Device::cuda()), BackendNotCompiled);
  } else if (env_info().cuda_devices == 0) {
    EXPECT_THROW(t.to(Device::cuda()), Error);  // compiled, but no GPU here: a typed error, no crash
  } else {
    EXPECT_EQ(t.to(Device::cuda()).to(Device::cpu()).to_floats(), t.to_floats());
  }
}
