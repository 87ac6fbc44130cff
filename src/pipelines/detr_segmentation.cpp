// DetrImageProcessor's segmentation post-processing (image_processing_detr.py): semantic maps,
// and the instance / panoptic segments of compute_segments, over DetrForSegmentation's logits
// [B, Q, classes + 1] and pred_masks [B, Q, H, W].
#include <cmath>
#include <map>
#include <set>

#include "ops/ops.hpp"
#include "transformers/errors.hpp"
#include "transformers/pipelines.hpp"

namespace transformers {

namespace {

struct Raw {
  Tensor logits, masks;  // f32 contiguous
  int64_t B = 0, Q = 0, C = 0, H = 0, W = 0;
};

Raw check(const ModelOutput& outputs, const std::string& fn, const std::vector<std::pair<int64_t, int64_t>>& target_sizes) {
  if (!outputs.has("logits") || !outputs.has("pred_masks")) throw ValueError(fn + ": the outputs need logits and pred_masks (DetrForSegmentation)");
  Raw r{outputs["logits"].to(DType::F32).contiguous(), outputs["pred_masks"].to(DType::F32).contiguous()};
  if (r.logits.dim() != 3 || r.masks.dim() != 4 || r.masks.size(0) != r.logits.size(0) || r.masks.size(1) != r.logits.size(1))
    throw ShapeMismatch(fn + ": logits [B, Q, classes] and pred_masks [B, Q, H, W] expected, got " + shape_str(r.logits.shape()) + " and " +
                        shape_str(r.masks.shape()));
  r.B = r.logits.size(0), r.Q = r.logits.size(1), r.C = r.logits.size(2), r.H = r.masks.size(2), r.W = r.masks.size(3);
  if (r.C < 2) throw ShapeMismatch(fn + ": logits need at least one class besides 'no object'");
  if (r.H <= 0 || r.W <= 0) throw ShapeMismatch(fn + ": pred_masks are empty");
  if (!target_sizes.empty() && static_cast<int64_t>(target_sizes.size()) != r.B)
    throw ValueError("Make sure that you pass in as many target sizes as the batch dimension of the logits");
  for (const auto& [h, w] : target_sizes)
    if (h <= 0 || w <= 0 || h > 65536 || w > 65536) throw ValueError(fn + ": target sizes must be positive (at most 65536), got " + std::to_string(h) + "x" + std::to_string(w));
  return r;
}

// compute_segments for one image's kept queries: probs [K, H, W] (sigmoids), their scores and labels.
SegmentationResult compute_segments(Tensor probs, const std::vector<float>& scores, const std::vector<int64_t>& labels,
                                    const SegmentationPostProcessOptions& o, const std::set<int64_t>& fuse, const std::pair<int64_t, int64_t>* target) {
  const int64_t K = probs.size(0);
  if (target) probs = ops::interpolate_bilinear(probs.unsqueeze(0).contiguous(), target->first, target->second).squeeze(0);
  const int64_t h = probs.size(1), w = probs.size(2), HW = h * w;
  // Each mask weighed by its query's score; every pixel goes to its best query.
  const Tensor weighed = ops::mul(probs, Tensor::from_floats(scores, {K, 1, 1})).contiguous();
  const std::vector<int64_t> best = ops::argmax(weighed, 0).to_ints();
  const float* p = weighed.data<float>();
  std::vector<int64_t> seg(static_cast<size_t>(HW), 0);
  SegmentationResult r;
  std::map<int64_t, int64_t> fused_ids;  // label -> its segment
  int64_t current = 0;
  for (int64_t k = 0; k < K; ++k) {
    int64_t area = 0, original = 0;
    for (int64_t i = 0; i < HW; ++i) {
      area += best[static_cast<size_t>(i)] == k;
      original += p[k * HW + i] >= static_cast<float>(o.mask_threshold);
    }
    // Python divides the two counts in float32, then compares the Python float.
    if (area == 0 || original == 0 || !(static_cast<double>(static_cast<float>(area) / static_cast<float>(original)) > o.overlap_mask_area_threshold))
      continue;
    const int64_t label = labels[static_cast<size_t>(k)];
    const bool fused = fuse.count(label) > 0;
    if (auto it = fused_ids.find(label); it != fused_ids.end()) current = it->second;
    else ++current;
    for (int64_t i = 0; i < HW; ++i)
      if (best[static_cast<size_t>(i)] == k) seg[static_cast<size_t>(i)] = current;
    r.segments_info.push_back({current, label, fused, std::round(static_cast<double>(scores[static_cast<size_t>(k)]) * 1e6) / 1e6});
    if (fused) fused_ids[label] = current;
  }
  r.segmentation = Tensor::from_ints(seg, {h, w});
  return r;
}

// convert_segmentation_to_rle: binary_mask_to_rle of each id's mask, ids ascending.
std::vector<std::vector<int64_t>> segmentation_to_rle(const Tensor& segmentation) {
  const std::vector<int64_t> ids = segmentation.to_ints();
  std::vector<std::vector<int64_t>> out;
  for (int64_t id : std::set<int64_t>(ids.begin(), ids.end())) {
    std::vector<int64_t> runs;
    bool inside = false;
    for (size_t i = 0; i <= ids.size(); ++i)
      if ((i < ids.size() && ids[i] == id) != inside) runs.push_back(static_cast<int64_t>(i) + 1), inside = !inside;
    for (size_t j = 1; j < runs.size(); j += 2) runs[j] -= runs[j - 1];
    out.push_back(std::move(runs));
  }
  return out;
}

std::vector<SegmentationResult> segments(const ModelOutput& outputs, const SegmentationPostProcessOptions& o, const std::string& fn, bool panoptic) {
  const Raw r = check(outputs, fn, o.target_sizes);
  const Tensor probs = ops::softmax(r.logits, -1).contiguous();
  const Tensor masks = ops::activation(r.masks, ops::Activation::Sigmoid).contiguous().view({r.B * r.Q, r.H * r.W});
  const std::set<int64_t> fuse = panoptic ? std::set<int64_t>(o.label_ids_to_fuse.begin(), o.label_ids_to_fuse.end()) : std::set<int64_t>{};
  const float* pr = probs.data<float>();
  std::vector<SegmentationResult> out;
  for (int64_t b = 0; b < r.B; ++b) {
    // Each query's best class over all of them ("no object" included), kept when an object above threshold.
    std::vector<int64_t> rows, labels;
    std::vector<float> scores;
    for (int64_t q = 0; q < r.Q; ++q) {
      const float* x = pr + (b * r.Q + q) * r.C;
      int64_t c = 0;
      for (int64_t j = 1; j < r.C; ++j)
        if (x[j] > x[c]) c = j;
      if (c == r.C - 1 || !(x[c] > static_cast<float>(o.threshold))) continue;  // torch compares in float32
      rows.push_back(b * r.Q + q), labels.push_back(c), scores.push_back(x[c]);
    }
    const std::pair<int64_t, int64_t>* target = o.target_sizes.empty() ? nullptr : &o.target_sizes[static_cast<size_t>(b)];
    if (rows.empty()) {
      const int64_t h = target ? target->first : r.H, w = target ? target->second : r.W;
      out.push_back({Tensor::from_ints(std::vector<int64_t>(static_cast<size_t>(h * w), -1), {h, w}), {}});
      continue;
    }
    const auto K = static_cast<int64_t>(rows.size());
    const Tensor kept = ops::gather_rows(masks, Tensor::from_ints(rows, {K})).view({K, r.H, r.W});
    out.push_back(compute_segments(kept, scores, labels, o, fuse, target));
    if (!panoptic && o.return_coco_annotation) out.back().rle = segmentation_to_rle(out.back().segmentation);
  }
  return out;
}

}  // namespace

std::vector<Tensor> post_process_semantic_segmentation(const ModelOutput& outputs, const std::vector<std::pair<int64_t, int64_t>>& target_sizes,
                                                       std::vector<Tensor>* segmentation_scores) {
  const Raw r = check(outputs, "post_process_semantic_segmentation", target_sizes);
  const Tensor classes = ops::softmax(r.logits, -1).slice(2, 0, r.C - 1).contiguous();                             // [B, Q, C]
  const Tensor probs = ops::activation(r.masks, ops::Activation::Sigmoid).contiguous().view({r.B, r.Q, r.H * r.W});  // [B, Q, HW]
  const Tensor seg = ops::matmul(classes, probs, true).view({r.B, r.C - 1, r.H, r.W});                              // einsum bqc,bqhw->bchw
  std::vector<Tensor> maps;
  if (segmentation_scores) segmentation_scores->clear();
  for (int64_t b = 0; b < r.B; ++b) {
    Tensor scores = seg.select(0, b).contiguous();
    if (!target_sizes.empty())
      scores = ops::interpolate_bilinear(scores.unsqueeze(0), target_sizes[static_cast<size_t>(b)].first, target_sizes[static_cast<size_t>(b)].second)
                   .squeeze(0);
    maps.push_back(ops::argmax(scores, 0));
    if (segmentation_scores) segmentation_scores->push_back(scores);
  }
  return maps;
}

std::vector<SegmentationResult> post_process_instance_segmentation(const ModelOutput& outputs, const SegmentationPostProcessOptions& o) {
  return segments(outputs, o, "post_process_instance_segmentation", false);
}

std::vector<SegmentationResult> post_process_panoptic_segmentation(const ModelOutput& outputs, const SegmentationPostProcessOptions& o) {
  return segments(outputs, o, "post_process_panoptic_segmentation", true);
}

}  // namespace transformers
