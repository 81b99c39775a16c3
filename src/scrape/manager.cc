#include "strata/scrape/manager.h"

#include <boost/asio.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "fetch.h"
#include "strata/base/log.h"
#include "target_state.h"

namespace strata::scrape {
namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

bool IsOpenMetrics(std::string_view content_type) {
  return content_type.starts_with("application/openmetrics-text");
}

}  // namespace

struct Manager::Impl {
  struct Loop {
    explicit Loop(Target t) : target(std::move(t)), state(target) {}
    const Target target;
    TargetState state;  // used by the loop's coroutine only
    mutable std::mutex mu;
    TargetHealth health;  // GUARDED_BY(mu); health.target is filled at construction
  };

  Impl(std::vector<Target> targets, storage::Storage* s, ManagerOptions o)
      : storage(s), options(std::move(o)) {
    for (Target& t : targets) {
      auto loop = std::make_unique<Loop>(std::move(t));
      loop->health.target = loop->target;
      loops.push_back(std::move(loop));
    }
  }

  // One scrape: fetch, build, append, record health.
  asio::awaitable<void> ScrapeOnce(Loop& loop) {
    Timestamp t = NowMs();
    auto started = std::chrono::steady_clock::now();
    FetchResult fetched = co_await Fetch(loop.target, options.max_body_bytes);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ScrapeOutcome outcome = loop.state.Build(fetched.body, IsOpenMetrics(fetched.content_type),
                                             fetched.error, t, seconds, options.limits);
    {
      // Recorded before the samples become visible: a client that sees this scrape's `up`
      // sees its health too.
      std::lock_guard lock(loop.mu);
      loop.health.health = outcome.error.empty() ? "up" : "down";
      loop.health.last_error = outcome.error;
      loop.health.last_scrape = t;
      loop.health.last_scrape_duration = seconds;
      loop.health.last_samples = outcome.samples_scraped;
    }
    ingest::IngestReport& report = outcome.exposition.report;
    uint64_t accepted = 0;
    auto appended = storage->Append(outcome.exposition.batch);
    if (appended.ok()) {
      ingest::MergeStorageRejections(*appended, report);
      accepted = appended->accepted;
      loop.state.Commit();
      for (const ingest::MetadataEntry& md : loop.state.NewMetadata(outcome)) {
        if (Status st = storage->SetMetadata(md.metric, md.metadata); !st.ok()) {
          log::Warn("scrape: cannot store metadata", {{"metric", md.metric}, {"error", st.ToString()}});
          break;
        }
      }
    } else {
      log::Warn("scrape: samples not stored", {{"job", loop.target.job},
                                              {"instance", loop.target.address},
                                              {"error", appended.status().ToString()}});
    }
    if (options.on_result) options.on_result(accepted, report);
    if (!outcome.error.empty()) {
      log::Debug("scrape failed", {{"job", loop.target.job}, {"url", loop.target.scrape_url},
                                   {"error", outcome.error}});
    }
  }

  asio::awaitable<void> Run(Loop& loop) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    const auto interval = std::chrono::milliseconds(loop.target.interval);
    auto next = std::chrono::steady_clock::now() +
                std::chrono::milliseconds(FirstScrapeDelay(loop.target, NowMs()));
    while (true) {
      timer.expires_at(next);
      auto [ec] = co_await timer.async_wait(as_tuple(use_awaitable));
      if (ec) co_return;
      co_await ScrapeOnce(loop);
      // Keep the phase; skip ticks missed by a scrape that overran its interval.
      auto now = std::chrono::steady_clock::now();
      next += interval;
      while (next <= now) next += interval;
    }
  }

  storage::Storage* storage;
  ManagerOptions options;
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<asio::io_context> io;
  std::vector<std::thread> threads;
};

Manager::Manager(std::vector<Target> targets, storage::Storage* storage, ManagerOptions options)
    : impl_(std::make_unique<Impl>(std::move(targets), storage, std::move(options))) {}

Manager::~Manager() { Stop(); }

Status Manager::Start() {
  if (impl_->io) return Status::Ok();
  impl_->io = std::make_unique<asio::io_context>();
  for (auto& loop : impl_->loops) {
    asio::co_spawn(*impl_->io, impl_->Run(*loop), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::Error("scrape loop ended by an exception", {{"error", ex.what()}});
        }
      }
    });
  }
  int n = std::max(1, impl_->options.threads);
  for (int i = 0; i < n; ++i) {
    try {
      impl_->threads.emplace_back([io = impl_->io.get()] { io->run(); });
    } catch (const std::system_error& e) {
      Stop();
      return Status::Unavailable(std::string("cannot start a scrape thread: ") + e.what());
    }
  }
  return Status::Ok();
}

void Manager::Stop() {
  if (!impl_->io) return;
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->io.reset();  // destroys the suspended loops
}

std::vector<TargetHealth> Manager::Targets() const {
  std::vector<TargetHealth> out;
  out.reserve(impl_->loops.size());
  for (const auto& loop : impl_->loops) {
    std::lock_guard lock(loop->mu);
    out.push_back(loop->health);
  }
  return out;
}

}  // namespace strata::scrape
