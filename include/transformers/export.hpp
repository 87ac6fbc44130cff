#pragma once
// TRANSFORMERS_API marks the public API. libtransformers.so is built with -fvisibility=hidden
// (and hidden inline functions), so only what carries this mark is exported: the classes and
// functions of include/transformers/. Internals stay private to the library, and the tests and
// tools that use them link the layer libraries instead.
#define TRANSFORMERS_API __attribute__((visibility("default")))
