// The ring-time pop-up and complaint classification from C++, through small
// RAII wrappers: handles are std::unique_ptr with the library's free
// functions as deleters, returned strings are copied into std::string and
// freed at once, and a failing status becomes an exception carrying the
// library's message.
//
//   ringtime_cpp PROFILE.json "complaint text"
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "custinsight.h"

namespace custinsight {

class Error : public std::runtime_error {
  public:
    Error(custinsight_status status, const std::string &message)
        : std::runtime_error(std::string(custinsight_status_name(status)) + ": " + message), status_(status) {}
    custinsight_status status() const { return status_; }

  private:
    custinsight_status status_;
};

inline void check(custinsight_status status) {
    if (status == CUSTINSIGHT_STATUS_OK) {
        return;
    }
    size_t needed = 0;
    char probe[1];
    custinsight_last_error_message(probe, sizeof probe, &needed);
    std::string message(needed, '\0');
    size_t written = 0;
    if (custinsight_last_error_message(message.data(), message.size(), &written) == CUSTINSIGHT_STATUS_OK) {
        message.resize(written);
    }
    throw Error(status, message);
}

// A string the library allocated, freed when it goes out of scope.
struct StringDeleter {
    void operator()(char *s) const { custinsight_string_free(s); }
};
using OwnedString = std::unique_ptr<char, StringDeleter>;

template <typename Call> std::string take_string(Call call) {
    char *raw = nullptr;
    size_t len = 0;
    check(call(&raw, &len));
    OwnedString owned(raw);
    return std::string(owned.get(), len);
}

class Engine {
  public:
    Engine() {
        custinsight_engine *raw = nullptr;
        check(custinsight_engine_new(&raw));
        handle_.reset(raw);
    }
    explicit Engine(std::string_view config_json) {
        custinsight_engine *raw = nullptr;
        check(custinsight_engine_from_config_json(config_json.data(), config_json.size(), &raw));
        handle_.reset(raw);
    }

    // Thread-safe: one Engine may serve every agent thread.
    std::string pop_up(std::string_view profile_json, std::int64_t now) const {
        return take_string([&](char **out, size_t *len) {
            return custinsight_engine_pop_up_json(handle_.get(), profile_json.data(), profile_json.size(), now, out,
                                                  len);
        });
    }

    custinsight_classification classify(std::string_view text) const {
        custinsight_classification answer{};
        check(custinsight_engine_classify(handle_.get(), text.data(), text.size(), &answer));
        return answer; // its strings live as long as this Engine
    }

    std::string intake(std::string_view complaint_json) const {
        return take_string([&](char **out, size_t *len) {
            return custinsight_engine_intake_json(handle_.get(), complaint_json.data(), complaint_json.size(), out,
                                                  len);
        });
    }

  private:
    struct Deleter {
        void operator()(custinsight_engine *engine) const { custinsight_engine_free(engine); }
    };
    std::unique_ptr<custinsight_engine, Deleter> handle_;
};

} // namespace custinsight

int main(int argc, char **argv) {
    if (argc < 3) {
        std::cerr << "usage: " << argv[0] << " PROFILE.json \"complaint text\"\n";
        return 2;
    }
    std::ifstream file(argv[1]);
    std::stringstream profile;
    profile << file.rdbuf();
    const char *pinned = std::getenv("CUSTINSIGHT_NOW");
    std::int64_t now = pinned ? std::stoll(pinned) : static_cast<std::int64_t>(std::time(nullptr));
    try {
        custinsight::Engine engine;
        std::cout << "pop-up: " << engine.pop_up(profile.str(), now) << "\n";
        auto answer = engine.classify(argv[2]);
        std::cout << "complaint -> " << answer.category << " (" << answer.work_group << "), confidence "
                  << answer.confidence << "\n";
        std::cout << "intake: "
                  << engine.intake(R"({"id": "T1", "phone": "13800000042", "received_at": "2026-11-20T09:00:00Z",
                                       "channel": "hotline", "status": "open", "text": "宽带断网两天了"})")
                  << "\n";
        engine.pop_up("{\"acount\": {}}", now); // a typo: throws, naming the field
    } catch (const custinsight::Error &err) {
        std::cout << "error as expected: " << err.what() << "\n";
        return err.status() == CUSTINSIGHT_STATUS_INVALID_INPUT ? 0 : 1;
    }
    return 1;
}
