#include "unmodified_engine.h"

namespace unmodified {

Pool::Pool(int workers) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void Pool::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Pool::waitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!tasks_.empty() || running_ > 0) idle_.wait_for(lock, std::chrono::milliseconds(100));
}

void Pool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    ++running_;
    lock.unlock();
    task();
    lock.lock();
    --running_;
    idle_.notify_all();
  }
}

void Counter::add() {
  int seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seen = value_;
  }
  std::lock_guard<std::mutex> lock(mu_);
  value_ = seen + 1;
}

int Counter::value() {
  std::lock_guard<std::mutex> lock(mu_);
  return value_;
}

PingPong::PingPong() {
  sem_init(&ping_, 0, 1);
  sem_init(&pong_, 0, 0);
}

PingPong::~PingPong() {
  sem_destroy(&ping_);
  sem_destroy(&pong_);
}

void PingPong::ping(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    sem_wait(&ping_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      turns_.push_back(0);
    }
    sem_post(&pong_);
  }
}

void PingPong::pong(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    sem_wait(&pong_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      turns_.push_back(1);
    }
    sem_post(&ping_);
  }
}

std::vector<int> PingPong::turns() {
  std::lock_guard<std::mutex> lock(mu_);
  return turns_;
}

void Flag::set() {
  value_.store(1);
  value_.notify_all();
}

void Flag::waitSet() { value_.wait(0); }

void Spin::waitDone() {
  while (!done_.load()) {
  }
}

void Spin::done() {
  std::lock_guard<std::mutex> lock(mu_);  // a scheduling point before the store
  done_.store(true);
}

void Latch::hold() { pthread_mutex_lock(&mu_); }

void Latch::release() { pthread_mutex_unlock(&mu_); }

void Latch::enter() {
  pthread_mutex_lock(&mu_);
  pthread_mutex_unlock(&mu_);
}

bool Latch::tryEnter() {
  if (pthread_mutex_trylock(&mu_) != 0) return false;
  pthread_mutex_unlock(&mu_);
  return true;
}

bool waitForNothing(std::chrono::milliseconds timeout, std::chrono::steady_clock::duration* waited) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto start = std::chrono::steady_clock::now();
  bool timed_out = cv.wait_for(lock, timeout) == std::cv_status::timeout;
  *waited = std::chrono::steady_clock::now() - start;
  return timed_out;
}

std::chrono::steady_clock::duration sleepMilliseconds(int count) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::chrono::steady_clock::now() - start;
}

long workFor(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  volatile long sum = 0;
  long batches = 0;
  for (; std::chrono::steady_clock::now() < deadline; ++batches) {
    for (int i = 0; i < 1000; ++i) sum = sum + i;
  }
  return batches;
}

namespace {
struct Initialised {
  Initialised() {
    std::lock_guard<std::mutex> lock(mu);
    value = 42;
  }
  std::mutex mu;
  int value = 0;
};
}  // namespace

int staticValue() {
  static Initialised initialised;
  return initialised.value;
}

int onceValue() {
  static std::once_flag once;
  static int value = 0;
  std::call_once(once, [] { value = 7; });
  return value;
}

}  // namespace unmodified
