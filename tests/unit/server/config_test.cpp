#include "server/config.h"

#include <gtest/gtest.h>

#include <thread>

#include <filesystem>
#include <fstream>
#include <set>

#include "util/error.h"

namespace sesame::server {
namespace {

// The message of the parse error `text` produces, or "" if it parses.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::parse);
    return e.what();
  }
  return "";
}

TEST(Config, EmptyFileGivesSafeDefaults) {
  const ServerConfig c = parse_config("", "empty.toml");
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.store_backend, "sqlite");
  EXPECT_EQ(c.store_path, "sesame.db");
  EXPECT_EQ(c.master_key_path, "master.key");
  EXPECT_EQ(c.pki_dir, "pki");
  EXPECT_FALSE(c.demo_cards);
  EXPECT_TRUE(c.vpcd.empty());
}

TEST(Config, RacsIoThreads) {
  const ServerConfig defaults = parse_config("", "empty.toml");
  EXPECT_EQ(defaults.racs.io_threads, 0u);
  // 0: one per hardware thread but one (D16), at least 1.
  const std::size_t hw = std::thread::hardware_concurrency();
  EXPECT_EQ(racs::io_thread_count(defaults.racs), hw > 1 ? hw - 1 : 1);
  const ServerConfig c = parse_config("[racs]\nio_threads = 3\n", "test.toml");
  EXPECT_EQ(c.racs.io_threads, 3u);
  EXPECT_EQ(racs::io_thread_count(c.racs), 3u);
  EXPECT_NE(error_of("[racs]\nio_threads = -1\n").find("racs.io_threads"), std::string::npos);
  EXPECT_NE(error_of("[racs]\nio_threads = 257\n").find("racs.io_threads"), std::string::npos);
}

// [wsca]: what attestations name as their status list's home and who may revoke.
TEST(Config, WscaPublicBaseUrlAndProviders) {
  const ServerConfig defaults = parse_config("", "empty.toml");
  EXPECT_EQ(defaults.wsca.public_base_url, "");  // sesamed then uses https://localhost:<http.port>
  EXPECT_EQ(defaults.wsca.provider_clients, std::set<std::string>{"admin"});
  const ServerConfig c = parse_config(
      "[wsca]\npublic_base_url = \"https://wallet.example:8443/\"\nprovider_clients = [\"provider\", \"ops\"]\n",
      "test.toml");
  EXPECT_EQ(c.wsca.public_base_url, "https://wallet.example:8443") << "a trailing slash is dropped";
  EXPECT_EQ(c.wsca.provider_clients, (std::set<std::string>{"ops", "provider"}));
  for (const char* bad : {"http://wallet.example", "https://", "https://wallet.example/path", "wallet.example"})
    EXPECT_NE(error_of(std::string("[wsca]\npublic_base_url = \"") + bad + "\"\n").find("wsca.public_base_url"),
              std::string::npos)
        << bad;
  EXPECT_NE(error_of("[wsca]\nprovider_clients = \"admin\"\n").find("wsca.provider_clients"), std::string::npos);
  EXPECT_NE(error_of("[wsca]\nprovider_clients = [\"\"]\n").find("wsca.provider_clients"), std::string::npos);
  EXPECT_NE(error_of("[wsca]\nissuer = \"x\"\n").find("wsca.issuer"), std::string::npos);
}

TEST(Config, FullFile) {
  const ServerConfig c = parse_config(R"(
[server]
listen_address = "::1"
log_level = "debug"
[store]
backend = "sqlite"
path = "/srv/sesame/cards.db"
master_key = "keys/master.key"
[pki]
dir = "tls"
[demo]
create_cards = true
[[vpcd]]
address = "127.0.0.1:35963"
[[vpcd]]
address = "[::1]:35964"
seid = "card-2"
)",
                                      "full.toml");
  EXPECT_EQ(c.listen_address, "::1");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.store_path, "/srv/sesame/cards.db");
  EXPECT_EQ(c.master_key_path, "keys/master.key");
  EXPECT_EQ(c.pki_dir, "tls");
  EXPECT_TRUE(c.demo_cards);
  ASSERT_EQ(c.vpcd.size(), 2u);
  EXPECT_EQ(c.vpcd[0].host, "127.0.0.1");
  EXPECT_EQ(c.vpcd[0].port, 35963);
  EXPECT_EQ(c.vpcd[0].seid, "");
  EXPECT_EQ(c.vpcd[1].host, "::1");
  EXPECT_EQ(c.vpcd[1].port, 35964);
  EXPECT_EQ(c.vpcd[1].seid, "card-2");
}

TEST(Config, TheShippedDevConfigParses) {
  const ServerConfig c =
      load_config(std::filesystem::path(__FILE__).parent_path() / "../../../etc/sesamed.dev.toml");
  EXPECT_TRUE(c.demo_cards);
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_TRUE(c.vpcd.empty());  // the bridge is off unless --vpcd asks for it
}

TEST(Config, UnknownKeysAreNamed) {
  EXPECT_NE(error_of("[server]\nlisten_adress = \"127.0.0.1\"\n").find("server.listen_adress: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("[stroe]\npath = \"x\"\n").find("stroe: unknown key"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:1\"\nport = 3\n").find("vpcd[0].port: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("verbose = true\n").find("verbose: unknown key"), std::string::npos);
}

TEST(Config, PostgresStore) {
  const ServerConfig c = parse_config(
      "[store]\nbackend = \"postgres\"\nconninfo = \"host=/run/postgresql dbname=sesame\"\n"
      "node_id = \"node-a\"\nlease_ttl_ms = 3000\nmaster_key = \"/etc/sesame/shared.key\"\n",
      "pg.toml");
  EXPECT_EQ(c.store_backend, "postgres");
  EXPECT_EQ(c.store_conninfo, "host=/run/postgresql dbname=sesame");
  EXPECT_EQ(c.store_node_id, "node-a");
  EXPECT_EQ(c.store_lease_ttl_ms, 3000u);
  EXPECT_EQ(c.master_key_path, "/etc/sesame/shared.key");
  const ServerConfig d = parse_config("", "empty.toml");
  EXPECT_TRUE(d.store_node_id.empty());
  EXPECT_EQ(d.store_lease_ttl_ms, 10000u);
}

TEST(Config, BadValuesAreNamed) {
  EXPECT_NE(error_of("[server]\nlog_level = \"loud\"\n").find("server.log_level"), std::string::npos);
  EXPECT_NE(error_of("[server]\nlog_level = 3\n").find("server.log_level: expected a string"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten_address = \"localhost\"\n").find("server.listen_address"),
            std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"mysql\"\n").find("store.backend"), std::string::npos);
  EXPECT_NE(error_of("[store]\nbackend = \"postgres\"\n").find("store.conninfo: required"), std::string::npos);
  EXPECT_NE(error_of("[store]\nnode_id = \"\"\n").find("store.node_id"), std::string::npos);
  EXPECT_NE(error_of("[store]\nlease_ttl_ms = 50\n").find("store.lease_ttl_ms"), std::string::npos);
  EXPECT_NE(error_of("[store]\nlease_ttl_ms = \"10s\"\n").find("store.lease_ttl_ms"), std::string::npos);
  EXPECT_NE(error_of("[store]\npath = \"\"\n").find("store.path: must not be empty"), std::string::npos);
  EXPECT_NE(error_of("[demo]\ncreate_cards = \"yes\"\n").find("demo.create_cards: expected true or false"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1\"\n").find("vpcd[0].address"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:70000\"\n").find("vpcd[0].address"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\nseid = \"x\"\n").find("vpcd[0].address: missing"), std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"127.0.0.1:1\"\nseid = \"a b\"\n").find("vpcd[0].seid"),
            std::string::npos);
  EXPECT_NE(error_of("server = 1\n").find("server: expected a table"), std::string::npos);
  EXPECT_NE(error_of("[vpcd]\naddress = \"127.0.0.1:1\"\n").find("vpcd: expected an array of tables"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress=\"127.0.0.1:1\"\n[[vpcd]]\naddress=\"127.0.0.1:2\"\n[[vpcd]]\n"
                     "address=\"127.0.0.1:3\"\n")
                .find("at most two"),
            std::string::npos);
}

TEST(Config, SyntaxErrorsGiveTheLine) {
  EXPECT_NE(error_of("[server]\nlog_level = \n").find("test.toml:2:"), std::string::npos);
}

TEST(Config, VpcdSlotSyntax) {
  VpcdSlot s = parse_vpcd_slot("127.0.0.1:35963");
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 35963);
  EXPECT_EQ(s.seid, "");
  s = parse_vpcd_slot("127.0.0.2:35964,demo");
  EXPECT_EQ(s.host, "127.0.0.2");
  EXPECT_EQ(s.port, 35964);
  EXPECT_EQ(s.seid, "demo");
  EXPECT_FALSE(s.allow_remote);
  s = parse_vpcd_slot("[::1]:1");
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 1);
  for (const char* bad : {"", "host", ":35963", "h:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:12a",
                          "127.0.0.1:1,", "127.0.0.1:1,bad seid", "[::1]35963", "[::1"}) {
    EXPECT_THROW(parse_vpcd_slot(bad), Error) << bad;
  }
}

// vpcd's link is plain TCP carrying every APDU (PINs too): loopback unless the slot says otherwise,
// and names are refused so that no DNS lookup can hold up a start, a reconnect or a stop.
TEST(Config, VpcdAddressIsNumericAndLoopbackUnlessAllowRemote) {
  for (const char* name : {"localhost:35963", "vpcd.example:35963", "localhost:1,demo"}) {
    try {
      parse_vpcd_slot(name, /*allow_remote=*/true);
      ADD_FAILURE() << name << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::parse);
      EXPECT_NE(std::string(e.what()).find("not a name"), std::string::npos) << e.what();
    }
  }
  for (const char* remote : {"192.168.1.20:35963", "10.0.0.1:1", "[2001:db8::1]:35963", "0.0.0.0:1",
                             "[::]:1", "[::ffff:127.0.0.1]:1", "128.0.0.1:1"}) {
    EXPECT_THROW(parse_vpcd_slot(remote), Error) << remote;
    const VpcdSlot s = parse_vpcd_slot(remote, /*allow_remote=*/true);
    EXPECT_TRUE(s.allow_remote) << remote;
  }
  for (const char* loop : {"127.0.0.1:1", "127.255.255.254:1", "127.1.2.3:1", "[::1]:1"})
    EXPECT_NO_THROW(parse_vpcd_slot(loop)) << loop;
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_FALSE(is_loopback_address("localhost"));
  EXPECT_FALSE(is_loopback_address("::2"));

  EXPECT_NE(error_of("[[vpcd]]\naddress = \"192.168.1.20:35963\"\n").find("vpcd[0].address: vpcd slot"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"192.168.1.20:35963\"\n").find("allow_remote = true"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"localhost:35963\"\nallow_remote = true\n").find("not a name"),
            std::string::npos);
  EXPECT_NE(error_of("[[vpcd]]\naddress = \"10.0.0.1:1\"\nallow_remote = \"yes\"\n").find("vpcd[0].allow_remote"),
            std::string::npos);
  // The key may come before or after the address.
  for (const char* text : {"[[vpcd]]\nallow_remote = true\naddress = \"192.168.1.20:35963\"\nseid = \"c\"\n",
                           "[[vpcd]]\naddress = \"192.168.1.20:35963\"\nseid = \"c\"\nallow_remote = true\n"}) {
    const ServerConfig c = parse_config(text, "remote.toml");
    ASSERT_EQ(c.vpcd.size(), 1u);
    EXPECT_EQ(c.vpcd[0].host, "192.168.1.20");
    EXPECT_EQ(c.vpcd[0].seid, "c");
    EXPECT_TRUE(c.vpcd[0].allow_remote);
  }
}

TEST(Config, PathsResolveAgainstTheStateDir) {
  EXPECT_EQ(resolve_in_state_dir("/var/lib/sesame", "sesame.db"), "/var/lib/sesame/sesame.db");
  EXPECT_EQ(resolve_in_state_dir("/var/lib/sesame", "/etc/x.db"), "/etc/x.db");
}

TEST(Config, MissingFileIsAnIoError) {
  try {
    load_config("/nonexistent/sesamed.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::io);
  }
}

}  // namespace
}  // namespace sesame::server
