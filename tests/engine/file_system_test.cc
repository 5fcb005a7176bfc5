// The file-system seam: the POSIX and in-memory implementations behave alike,
// and the fault-injecting wrapper injects what its knobs say, replayably.
#include <filesystem>

#include <gtest/gtest.h>

#include "lifeguard/file_system.h"

namespace lifeguard {
namespace {

std::string tempDirectory(const std::string& name) {
  auto path = std::filesystem::path(::testing::TempDir()) / ("lg_fs_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(path);
  return path.string();
}

void writeText(FileSystem& fs, const std::string& path, std::string_view text, bool sync = true) {
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs.openWritable(path, false, &file).isOk());
  ASSERT_TRUE(file->append(text).isOk());
  if (sync) {
    ASSERT_TRUE(file->sync().isOk());
  }
  ASSERT_TRUE(file->close().isOk());
}

std::string readText(FileSystem& fs, const std::string& path) {
  std::string contents;
  Status status = fs.readFile(path, &contents);
  return status.isOk() ? contents : "<" + status.toString() + ">";
}

class FileSystemTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    fs_ = GetParam() ? posixFileSystem() : memoryFileSystem();
    dir_ = tempDirectory(GetParam() ? "posix" : "memory");
    ASSERT_TRUE(fs_->createDirectories(dir_).isOk());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::shared_ptr<FileSystem> fs_;
  std::string dir_;
};

TEST_P(FileSystemTest, AppendReadRenameRemove) {
  std::string a = dir_ + "/a", b = dir_ + "/b";
  EXPECT_FALSE(fs_->exists(a));
  writeText(*fs_, a, "hello ");
  writeText(*fs_, a, "world");
  EXPECT_EQ(readText(*fs_, a), "hello world");
  std::unique_ptr<WritableFile> truncated;
  ASSERT_TRUE(fs_->openWritable(a, true, &truncated).isOk());
  ASSERT_TRUE(truncated->append("x").isOk());
  ASSERT_TRUE(truncated->close().isOk());
  EXPECT_EQ(readText(*fs_, a), "x");
  ASSERT_TRUE(fs_->rename(a, b).isOk());
  EXPECT_FALSE(fs_->exists(a));
  EXPECT_EQ(readText(*fs_, b), "x");
  EXPECT_TRUE(fs_->syncDirectory(dir_).isOk());
  ASSERT_TRUE(fs_->remove(b).isOk());
  EXPECT_FALSE(fs_->exists(b));
  std::string missing;
  Status status = fs_->readFile(b, &missing);
  EXPECT_EQ(status.code(), ErrorCode::kIOError);
  EXPECT_EQ(status.message(), "cannot open '" + b + "': No such file or directory");
}

INSTANTIATE_TEST_SUITE_P(Implementations, FileSystemTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Posix" : "Memory"; });

// The outcome (ok or fault) of 64 appends under the given options.
std::string appendPattern(FaultOptions options) {
  FaultInjectingFileSystem fs(memoryFileSystem(), options);
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(fs.openWritable("f", true, &file).isOk());
  std::string pattern;
  for (int i = 0; i < 64; ++i) pattern += file->append("x").isOk() ? '.' : 'F';
  return pattern;
}

TEST(FaultInjectionTest, WriteFaultsAreSeededTransientOrPersistent) {
  FaultOptions transient{.write_fault_one_in = 4, .seed = 7};
  std::string pattern = appendPattern(transient);
  EXPECT_EQ(pattern, appendPattern(transient)) << "the same seed replays the same faults";
  EXPECT_NE(pattern.find('F'), std::string::npos);
  EXPECT_NE(pattern.find('.', pattern.find('F')), std::string::npos) << "transient: later calls succeed";
  FaultOptions persistent = transient;
  persistent.persistent = true;
  std::string broken = appendPattern(persistent);
  std::size_t first = broken.find('F');
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(broken.find('.', first), std::string::npos) << "persistent: every later call fails: " << broken;
  EXPECT_EQ(appendPattern({}), std::string(64, '.'));
}

TEST(FaultInjectionTest, SyncAndReadFaultsNameThePath) {
  FaultInjectingFileSystem fs(memoryFileSystem(), {.sync_fault_one_in = 1, .read_fault_one_in = 1});
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs.openWritable("wal", true, &file).isOk());
  ASSERT_TRUE(file->append("data").isOk());
  EXPECT_EQ(file->sync().toString(), "IOError: injected sync fault on 'wal'");
  std::string contents;
  EXPECT_EQ(fs.readFile("wal", &contents).toString(), "IOError: injected read fault on 'wal'");
  EXPECT_EQ(fs.faultsInjected(), 2u);
}

TEST(FaultInjectionTest, PowerCutDropsWhatWasNeverSynced) {
  auto base = memoryFileSystem();
  FaultInjectingFileSystem fs(base, {});
  writeText(fs, "kept", "synced|");
  writeText(fs, "kept", "lost", /*sync=*/false);
  writeText(fs, "never", "lost", /*sync=*/false);
  writeText(fs, "tmp", "renamed");
  ASSERT_TRUE(fs.rename("tmp", "data").isOk());
  EXPECT_EQ(readText(fs, "kept"), "synced|lost");
  fs.dropUnsyncedData();
  EXPECT_EQ(readText(*base, "kept"), "synced|");
  EXPECT_FALSE(base->exists("never"));
  EXPECT_EQ(readText(*base, "data"), "renamed");
}

}  // namespace
}  // namespace lifeguard
