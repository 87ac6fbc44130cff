// Image decoding: JPEG through libjpeg(-turbo), the decoder Pillow links, so pixels match PIL's;
// PNG / BMP / GIF through stb_image, WebP through libwebp. Then EXIF orientation and RGB conversion
// as transformers.image_utils.load_image does (exif_transpose, convert("RGB") drops alpha).
#include <algorithm>
#include <vector>
#include <optional>
#include <array>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include <jpeglib.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <webp/decode.h>

#include "transformers/errors.hpp"
#include "transformers/image_processing.hpp"

namespace transformers {

namespace {

constexpr size_t kMaxPixels = size_t{1} << 28;  // refuse decompression bombs before allocating

void check_dims(int64_t w, int64_t h, const std::string& what) {
  if (w <= 0 || h <= 0) throw ValueError(what + ": the image has no pixels");
  if (static_cast<size_t>(w) * static_cast<size_t>(h) > kMaxPixels)
    throw ValueError(what + ": " + std::to_string(w) + "x" + std::to_string(h) + " pixels is more than the 268M-pixel limit");
}

// The Orientation tag (0x0112) of an EXIF block ("Exif\0\0" + TIFF); 1 when absent or malformed.
int exif_orientation(const uint8_t* p, size_t n) {
  if (n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const uint8_t* t = p + 6;
  const size_t tn = n - 6;
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
  auto u16 = [&](size_t o) -> uint32_t { return le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]; };
  auto u32 = [&](size_t o) -> uint32_t { return le ? u16(o) | (u16(o + 2) << 16) : (u16(o) << 16) | u16(o + 2); };
  const size_t ifd = u32(4);
  if (ifd + 2 > tn) return 1;
  const uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
    if (e + 12 > tn) return 1;
    if (u16(e) == 0x0112) {
      const uint32_t v = u16(e + 8);
      return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
    }
  }
  return 1;
}

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegError*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Plain C frame between setjmp and longjmp: nothing with a destructor lives here.
bool jpeg_decode_raw(const uint8_t* data, size_t size, uint8_t** out, int* w, int* h, int* ch, int* orientation, char* err) {
  jpeg_decompress_struct cinfo;
  JpegError jerr;
  cinfo.err = jpeg_std_error(&jerr.mgr);
  jerr.mgr.error_exit = jpeg_error_exit;
  jerr.mgr.output_message = [](j_common_ptr) {};
  *out = nullptr;
  if (setjmp(jerr.jump)) {
    std::strncpy(err, jerr.message, JMSG_LENGTH_MAX);
    std::free(*out);
    *out = nullptr;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  *orientation = 1;
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1) {
      const int o = exif_orientation(m->data, m->data_length);
      if (o != 1 || *orientation == 1) *orientation = o;
    }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  const bool gray = cinfo.num_components == 1;
  cinfo.out_color_space = cmyk ? JCS_CMYK : gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  *w = static_cast<int>(cinfo.output_width), *h = static_cast<int>(cinfo.output_height), *ch = cinfo.output_components;
  if (static_cast<size_t>(*w) * static_cast<size_t>(*h) > kMaxPixels || *w <= 0 || *h <= 0) {
    std::strncpy(err, "image too large or empty", JMSG_LENGTH_MAX);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const size_t stride = static_cast<size_t>(*w) * static_cast<size_t>(*ch);
  *out = static_cast<uint8_t*>(std::malloc(stride * static_cast<size_t>(*h)));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = *out + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (cmyk) {
    // Pillow reads 4-component JPEGs as inverted CMYK (Adobe's convention, assumed whatever the
    // markers say), then convert("RGB") gives (255 - K) - C * (255 - K) / 255 per channel, with
    // its rounded division; written over the buffer in place (3 bytes out per 4 in).
    const size_t count = static_cast<size_t>(*w) * static_cast<size_t>(*h);
    uint8_t* px = *out;
    auto muldiv255 = [](int a, int b) {
      const int t = a * b + 128;
      return (t + (t >> 8)) >> 8;
    };
    for (size_t i = 0; i < count; ++i) {
      const int cc = 255 - px[i * 4], mm = 255 - px[i * 4 + 1], yy = 255 - px[i * 4 + 2], nk = px[i * 4 + 3];  // nk = 255 - K
      px[i * 3] = static_cast<uint8_t>(std::clamp(nk - muldiv255(cc, nk), 0, 255));
      px[i * 3 + 1] = static_cast<uint8_t>(std::clamp(nk - muldiv255(mm, nk), 0, 255));
      px[i * 3 + 2] = static_cast<uint8_t>(std::clamp(nk - muldiv255(yy, nk), 0, 255));
    }
    *ch = 3;
  }
  return true;
}

// n interleaved channels -> RGB: gray replicated, alpha dropped (PIL's convert("RGB")).
Image to_rgb(const uint8_t* px, int64_t w, int64_t h, int n) {
  Image im;
  im.width = w, im.height = h, im.channels = 3;
  im.pixels.resize(static_cast<size_t>(w * h * 3));
  const int64_t count = w * h;
  uint8_t* o = im.pixels.data();
  for (int64_t i = 0; i < count; ++i, px += n, o += 3) {
    if (n <= 2) o[0] = o[1] = o[2] = px[0];
    else o[0] = px[0], o[1] = px[1], o[2] = px[2];
  }
  return im;
}

// PIL.ImageOps.exif_transpose: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270 (clockwise
// 90), 7 transverse, 8 rotate 90.
Image apply_orientation(const Image& in, int orientation) {
  if (orientation <= 1) return in;
  const bool swap = orientation >= 5;
  Image out;
  out.channels = in.channels;
  out.height = swap ? in.width : in.height;
  out.width = swap ? in.height : in.width;
  out.pixels.resize(in.pixels.size());
  const int64_t H = in.height, W = in.width, C = in.channels;
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      int64_t sy = y, sx = x;
      switch (orientation) {
        case 2: sx = W - 1 - x; break;
        case 3: sy = H - 1 - y, sx = W - 1 - x; break;
        case 4: sy = H - 1 - y; break;
        case 5: sy = x, sx = y; break;
        case 6: sy = H - 1 - x, sx = y; break;
        case 7: sy = H - 1 - x, sx = W - 1 - y; break;
        case 8: sy = x, sx = W - 1 - y; break;
        default: break;
      }
      std::memcpy(&out.pixels[static_cast<size_t>((y * out.width + x) * C)], &in.pixels[static_cast<size_t>((sy * W + sx) * C)],
                  static_cast<size_t>(C));
    }
  return out;
}

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& what) {
  uint8_t* raw = nullptr;
  int w = 0, h = 0, ch = 0, orientation = 1;
  char err[JMSG_LENGTH_MAX] = {0};
  if (!jpeg_decode_raw(data, size, &raw, &w, &h, &ch, &orientation, err)) throw ValueError(what + ": cannot decode JPEG: " + err);
  std::unique_ptr<uint8_t, void (*)(void*)> hold(raw, std::free);
  return apply_orientation(to_rgb(raw, w, h, ch), orientation);
}

Image decode_webp(const uint8_t* data, size_t size, const std::string& what) {
  int w = 0, h = 0;
  if (!WebPGetInfo(data, size, &w, &h)) throw ValueError(what + ": cannot decode WebP");
  check_dims(w, h, what);
  std::unique_ptr<uint8_t, void (*)(void*)> px(WebPDecodeRGB(data, size, &w, &h), WebPFree);
  if (!px) throw ValueError(what + ": cannot decode WebP");
  return to_rgb(px.get(), w, h, 3);
}

// The first frame's palette colour of a GIF's transparent index: stb leaves transparent pixels
// black (alpha 0), where Pillow's convert("RGB") shows the palette entry. nullopt when the first
// frame declares no transparency (or the stream is not one we walk).
std::optional<std::array<uint8_t, 3>> gif_transparent_colour(const uint8_t* d, size_t n) {
  if (n < 13 || std::memcmp(d, "GIF8", 4) != 0) return std::nullopt;
  size_t p = 13;
  std::vector<uint8_t> global;
  if (d[10] & 0x80) {
    const size_t len = 3u << ((d[10] & 7) + 1);
    if (p + len > n) return std::nullopt;
    global.assign(d + p, d + p + len);
    p += len;
  }
  int transparent = -1;
  while (p < n) {
    if (d[p] == 0x21 && p + 1 < n) {  // extension: the graphic control block carries the index
      const uint8_t label = d[p + 1];
      p += 2;
      while (p < n && d[p] != 0) {
        const size_t len = d[p];
        if (label == 0xF9 && len >= 4 && p + 4 < n && (d[p + 1] & 1)) transparent = d[p + 4];
        p += len + 1;
      }
      ++p;
    } else if (d[p] == 0x2C && p + 10 <= n) {  // the first image: its local palette, else the global one
      if (transparent < 0) return std::nullopt;
      std::vector<uint8_t> local;
      if (d[p + 9] & 0x80) {
        const size_t len = 3u << ((d[p + 9] & 7) + 1);
        if (p + 10 + len > n) return std::nullopt;
        local.assign(d + p + 10, d + p + 10 + len);
      }
      const std::vector<uint8_t>& pal = local.empty() ? global : local;
      if (static_cast<size_t>(transparent) * 3 + 2 >= pal.size()) return std::nullopt;
      return std::array<uint8_t, 3>{pal[transparent * 3], pal[transparent * 3 + 1], pal[transparent * 3 + 2]};
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Image decode_stb(const uint8_t* data, size_t size, const std::string& what) {
  if (size > static_cast<size_t>(INT32_MAX)) throw ValueError(what + ": file too large");
  const int len = static_cast<int>(size);
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &n)) throw ValueError(what + ": not a JPEG, PNG, WebP, BMP or GIF image (" + stbi_failure_reason() + ")");
  check_dims(w, h, what);
  if (n == 1 && stbi_is_16_bit_from_memory(data, len)) {
    // PIL reads 16-bit gray as mode I;16, whose conversion to L clips at 255 (not a shift).
    std::unique_ptr<stbi_us, void (*)(void*)> px(stbi_load_16_from_memory(data, len, &w, &h, &n, 1), stbi_image_free);
    if (!px) throw ValueError(what + ": cannot decode image: " + stbi_failure_reason());
    std::vector<uint8_t> g(static_cast<size_t>(w) * static_cast<size_t>(h));
    for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<uint8_t>(std::min<stbi_us>(px.get()[i], 255));
    return to_rgb(g.data(), w, h, 1);
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> px(stbi_load_from_memory(data, len, &w, &h, &n, 0), stbi_image_free);
  if (!px) throw ValueError(what + ": cannot decode image: " + stbi_failure_reason());
  if (n == 4)
    if (const auto colour = gif_transparent_colour(data, size))
      for (size_t i = 0; i < static_cast<size_t>(w) * static_cast<size_t>(h); ++i)
        if (px.get()[i * 4 + 3] == 0) std::copy(colour->begin(), colour->end(), px.get() + i * 4);
  return to_rgb(px.get(), w, h, n);
}

}  // namespace

Image decode_image(const uint8_t* data, size_t size, const std::string& what) {
  if (!data || size < 4) throw ValueError(what + ": empty or truncated image data");
  if (data[0] == 0xFF && data[1] == 0xD8) return decode_jpeg(data, size, what);
  if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0) return decode_webp(data, size, what);
  return decode_stb(data, size, what);
}

Image load_image(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OSError("cannot read image file " + path);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

void save_png(const Image& image, const std::string& path) {
  if (image.height <= 0 || image.width <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != static_cast<size_t>(image.height * image.width * image.channels))
    throw ValueError("save_png: the image must hold height x width x (1 or 3) pixels");
  if (!stbi_write_png(path.c_str(), static_cast<int>(image.width), static_cast<int>(image.height), static_cast<int>(image.channels),
                      image.pixels.data(), static_cast<int>(image.width * image.channels)))
    throw OSError("cannot write PNG " + path);
}

}  // namespace transformers
