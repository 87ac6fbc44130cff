// The question-answering pipeline against transformers v4's (fixtures/question_answering, made by
// scripts/make_qa_fixtures.py; v5 has no such pipeline).
#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;

TEST(QuestionAnswering, PipelineMatchesTransformersV4) {
  const std::string dir = testutil::fixture("question_answering");
  const Json want = parse_json_file(dir + "/golden.json");
  const auto pipe = QuestionAnsweringPipeline::from_pretrained(dir);
  for (size_t i = 0; i < want["cases"].size(); ++i) {
    const Json& c = want["cases"][i];
    SCOPED_TRACE(c["question"].get<std::string>() + " " + c["kwargs"].dump());
    QaOptions o;
    const Json& k = c["kwargs"];
    o.top_k = k.value("top_k", int64_t{1});
    if (k.contains("max_seq_len")) o.max_seq_len = k["max_seq_len"].get<int64_t>();
    if (k.contains("doc_stride")) o.doc_stride = k["doc_stride"].get<int64_t>();
    o.max_answer_len = k.value("max_answer_len", int64_t{15});
    o.handle_impossible_answer = k.value("handle_impossible_answer", false);
    o.align_to_words = k.value("align_to_words", true);
    const auto got = (*pipe)(c["question"], c["context"], o);
    const Json& expected = want["results"][i];
    ASSERT_EQ(got.size(), expected.size());
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j].answer, expected[j]["answer"].get<std::string>());
      EXPECT_EQ(got[j].start, expected[j]["start"].get<int64_t>());
      EXPECT_EQ(got[j].end, expected[j]["end"].get<int64_t>());
      EXPECT_NEAR(got[j].score, expected[j]["score"].get<double>(), 1e-6 + 1e-4 * expected[j]["score"].get<double>());
    }
  }
}

TEST(QuestionAnswering, RefusesWhatPythonRefuses) {
  const auto pipe = QuestionAnsweringPipeline::from_pretrained(testutil::fixture("question_answering"));
  QaOptions o;
  o.top_k = 0;
  EXPECT_THROW((*pipe)("q?", "some context", o), ValueError);
  o = {};
  o.max_seq_len = 16, o.doc_stride = 32;
  EXPECT_THROW((*pipe)("q?", "some context", o), ValueError);
  EXPECT_THROW((*pipe)("", "some context"), ValueError);
  EXPECT_THROW((*pipe)("q?", ""), ValueError);
}
