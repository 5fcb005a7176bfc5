#include "lifeguard/harness/scratch_dir.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace lifeguard::harness {
namespace {

namespace fs = std::filesystem;

// A pid that no process has: a child that has exited and been reaped. Pids are
// handed out in increasing order, so it is not reused within this test.
pid_t deadPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = (fs::temp_directory_path() / "lifeguard_scratch_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(name.data()), nullptr);
    root_ = name;
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path makeDir(const std::string& name) {
    fs::create_directories(root_ / name);
    std::ofstream(root_ / name / "db") << "left behind";
    return root_ / name;
  }

  fs::path root_;
};

TEST_F(ScratchDirTest, RemovesOnlyTheDirectoriesOfProcessesThatAreGone) {
  std::string dead = std::to_string(deadPid()), alive = std::to_string(::getpid());
  fs::path orphan = makeDir("lifeguard-" + dead + "-Ab12Cd");
  fs::path old_style_orphan = makeDir("lifeguard-" + dead + "-0");
  fs::path mine = makeDir("lifeguard-" + alive + "-Ef34Gh");
  fs::path crash_test = makeDir("lifeguard-crash-" + dead + "-kill-1");
  fs::path no_pid = makeDir("lifeguard-" + dead);
  std::ofstream(root_ / ("lifeguard-" + dead + "-file")) << "not a directory";

  EXPECT_EQ(removeOrphanedScratchDirectories(root_), 2u);
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_FALSE(fs::exists(old_style_orphan));
  EXPECT_TRUE(fs::exists(mine / "db"));
  EXPECT_TRUE(fs::exists(crash_test));
  EXPECT_TRUE(fs::exists(no_pid));
  EXPECT_TRUE(fs::exists(root_ / ("lifeguard-" + dead + "-file")));
  EXPECT_EQ(removeOrphanedScratchDirectories(root_), 0u);
}

TEST_F(ScratchDirTest, EveryDirectoryIsNewAndEmpty) {
  ::setenv("TMPDIR", root_.c_str(), 1);
  fs::path first = makeScratchDirectory(), second = makeScratchDirectory();
  ::unsetenv("TMPDIR");
  EXPECT_NE(first, second);
  for (const auto& dir : {first, second}) {
    EXPECT_EQ(dir.parent_path(), root_);
    EXPECT_EQ(dir.filename().string().rfind("lifeguard-" + std::to_string(::getpid()) + "-", 0), 0u);
    EXPECT_TRUE(fs::is_directory(dir));
    EXPECT_TRUE(fs::is_empty(dir));
  }
}

TEST_F(ScratchDirTest, ADirectoryLeftByADeadProcessIsRemoved) {
  // The child makes a directory and dies without removing it, as a crash does.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::setenv("TMPDIR", root_.c_str(), 1);
    std::string made = makeScratchDirectory().string();
    (void)!::write(pipe_fds[1], made.data(), made.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  char buffer[4096];
  ssize_t length = ::read(pipe_fds[0], buffer, sizeof buffer);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_GT(length, 0);
  fs::path left(std::string(buffer, static_cast<std::size_t>(length)));
  ASSERT_TRUE(fs::is_directory(left));

  EXPECT_EQ(removeOrphanedScratchDirectories(root_), 1u);
  EXPECT_FALSE(fs::exists(left));
}

}  // namespace
}  // namespace lifeguard::harness
