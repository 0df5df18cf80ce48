#include "filter/validators.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>

namespace cordon::filter_detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s)
    if (is_digit(c)) d += c;
  return d;
}

bool ci_contains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Separators between digit groups must all be the same character (or absent).
bool consistent_separators(std::string_view s) {
  char sep = 0;
  for (char c : s) {
    if (is_digit(c)) continue;
    if (sep == 0) sep = c;
    else if (c != sep) return false;
  }
  return true;
}

bool card_iin_ok(const std::string& d) {
  auto pre = [&](std::size_t n) { return std::stoi(d.substr(0, n)); };
  std::size_t n = d.size();
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                        // Visa
  int p2 = pre(2), p4 = pre(4), p3 = pre(3), p6 = pre(6);
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;    // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                      // Amex
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925))
    return n >= 16 && n <= 19;                                                   // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;                       // JCB
  if (p2 == 36 || p2 == 38 || p2 == 39 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19;  // Diners
  if (p2 == 62) return n >= 16 && n <= 19;                                       // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19;            // Maestro
  return false;
}

bool email_ok(const Candidate& c) {
  auto at = c.value.rfind('@');
  if (at == std::string_view::npos) return false;
  auto dot = c.value.rfind('.');
  std::string tld;
  for (char ch : c.value.substr(dot + 1)) tld += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::array<std::string_view, 24> kFileExt = {
      "png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "css", "map", "json", "py",
      "rb", "go", "rs", "md", "txt", "html", "lock", "tgz", "zip", "ico", "woff", "woff2"};
  for (auto e : kFileExt)
    if (tld == e) return false;
  if (c.before.size() && (c.before.back() == '@' || c.before.back() == '/')) return false;  // npm scopes, paths
  return true;
}

bool phone_ok(const Candidate& c) {
  std::string_view v = c.value;
  std::string d = digits_of(v);
  if (!c.before.empty()) {
    char p = c.before.back();
    if (is_digit(p) || p == '.' || p == '-' || p == ':' || p == '/' || p == '=' || p == '_' || is_alnum(p)) return false;
  }
  if ((c.next == '.' && is_digit(c.next2)) || c.next == '-' || c.next == ':' || c.next == '/' || is_alnum(c.next)) return false;
  if (v[0] == '+') return d.size() >= 8 && d.size() <= 15;
  if (d.size() < 10 || d.size() > 13) return false;
  // North American 3-3-4 with one separator style and a valid area code.
  std::string_view core = v;
  bool nanp = d.size() == 10 && d[0] >= '2' && d[0] <= '9' && d[3] >= '2' && d[3] <= '9';
  if (nanp && core.size() >= 12) {
    if (core[0] == '(' && core[4] == ')') return true;
    if (core.size() == 12 && (core[3] == '-' || core[3] == '.') && core[7] == core[3]) return true;
  }
  // Anything else needs a phone word nearby.
  static const std::array<std::string_view, 10> kWords = {"phone", "tel", "mobile", "cell", "fax", "call", "contact", "telefon", "handy", "whatsapp"};
  std::string_view ctx = c.before.size() > 48 ? c.before.substr(c.before.size() - 48) : c.before;
  for (auto w : kWords)
    if (ci_contains(ctx, w)) return true;
  return false;
}

bool ipv4_ok(const Candidate& c) {
  if (!c.before.empty()) {
    char p = c.before.back();
    if (p == '.' || is_alnum(p) || p == '-') return false;
    if (p == 'v' || p == 'V') return false;
  }
  if ((c.next == '.' && is_digit(c.next2)) || c.next == '-' || is_alnum(c.next)) return false;
  std::string_view ctx = c.before.size() > 12 ? c.before.substr(c.before.size() - 12) : c.before;
  if (ci_contains(ctx, "version") || ci_contains(ctx, "ver ") || ci_contains(ctx, "oid")) return false;
  int octets[4];
  std::size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t end = c.value.find('.', pos);
    if (end == std::string_view::npos) end = c.value.size();
    std::string_view o = c.value.substr(pos, end - pos);
    if (o.empty() || o.size() > 3 || (o.size() > 1 && o[0] == '0')) return false;
    octets[i] = std::stoi(std::string(o));
    if (octets[i] > 255) return false;
    pos = end + 1;
  }
  if (octets[0] == 0 || octets[0] == 127 || octets[0] == 255) return false;
  if (octets[0] == 169 && octets[1] == 254) return true;
  return true;
}

bool ipv6_ok(const Candidate& c) {
  if (!c.before.empty()) {
    char p = c.before.back();
    if (p == ':' || is_alnum(p) || p == '.') return false;
  }
  if (c.next == ':' || (c.next == '.' && is_alnum(c.next2)) || is_alnum(c.next)) return false;
  std::string s(c.value);
  if (s == "::" || s == "::1") return false;
  unsigned char buf[16];
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return false;
  // Times like 10:23:45 never parse; require some hex letter or a long group
  // so C++ scopes such as a::b are not taken.
  int colons = 0;
  for (char ch : s) colons += ch == ':';
  return colons >= 3 || s.find("::") != std::string::npos;
}

bool mac_ok(const Candidate& c) {
  if (!c.before.empty() && (c.before.back() == ':' || c.before.back() == '-' || is_alnum(c.before.back()))) return false;
  if (c.next == ':' || c.next == '-' || is_alnum(c.next)) return false;
  char sep = c.value[2];
  for (std::size_t i = 2; i < c.value.size(); i += 3)
    if (c.value[i] != sep) return false;
  std::string hex;
  for (char ch : c.value)
    if (ch != sep) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (hex == "000000000000" || hex == "ffffffffffff") return false;
  return true;
}

bool uk_nino_ok(std::string_view v) {
  std::string p{v.substr(0, 2)};
  static const std::array<std::string_view, 7> kBad = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
  for (auto b : kBad)
    if (p == b) return false;
  // Either no spaces or the canonical "AB 12 34 56 C".
  std::size_t spaces = 0;
  for (char ch : v) spaces += ch == ' ';
  return spaces == 0 || spaces == 4;
}

bool de_taxid_ok(std::string_view v) {
  if (v.size() != 11) return false;
  std::array<int, 10> freq{};
  for (int i = 0; i < 10; ++i) freq[v[i] - '0']++;
  int doubles = 0, zeros = 0;
  for (int f : freq) {
    if (f == 0) ++zeros;
    if (f >= 2) ++doubles;
    if (f > 3) return false;
  }
  if (doubles != 1 || (zeros != 1 && zeros != 2)) return false;
  int product = 10;
  for (int i = 0; i < 10; ++i) {
    int sum = (v[i] - '0' + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  int check = 11 - product;
  if (check == 10) check = 0;
  return check == v[10] - '0';
}

bool de_idcard_ok(std::string_view v) {
  static const int w[3] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    char ch = v[i];
    int val = is_digit(ch) ? ch - '0' : ch - 'A' + 10;
    sum += val * w[i % 3];
  }
  return sum % 10 == v[9] - '0';
}

bool looks_like_code(std::string_view v) {
  for (char ch : v)
    if (ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '{' || ch == '}' || ch == '$' || ch == '<' || ch == '>')
      return true;
  // Dotted identifiers: self.password, os.environ.get, config.db.pass
  bool ident = true, dotted = false;
  for (char ch : v) {
    if (ch == '.') dotted = true;
    else if (!(is_alnum(ch) || ch == '_')) ident = false;
  }
  if (ident && dotted && !is_digit(v[0])) {
    bool has_digit = false;
    for (char ch : v) has_digit |= is_digit(ch);
    if (!has_digit) return true;
  }
  // A single word or snake_case identifier: "required", "password_hash".
  bool wordish = true;
  for (char ch : v)
    if (!(std::islower(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-')) wordish = false;
  if (wordish) return true;
  bool letters_only = true;
  for (char ch : v)
    if (!std::isalpha(static_cast<unsigned char>(ch))) letters_only = false;
  if (letters_only && v.size() <= 12) return true;  // "Required", "PasswordField"
  return false;
}

bool jwt_ok(std::string_view v) {
  int dots = 0;
  for (char ch : v) dots += ch == '.';
  if (dots < 2) return false;
  std::string header = base64_decode(v.substr(0, v.find('.')));
  return !header.empty() && header[0] == '{' && (header.find("\"alg\"") != std::string::npos || header.find("\"typ\"") != std::string::npos);
}

}  // namespace

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<unsigned, 256> f{};
  for (unsigned char c : s) f[c]++;
  double h = 0, n = static_cast<double>(s.size());
  for (unsigned x : f)
    if (x) {
      double p = x / n;
      h -= p * std::log2(p);
    }
  return h;
}

bool luhn_ok(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() < 12 || d.size() > 19) return false;
  bool same = true;
  for (char ch : d) same &= ch == d[0];
  if (same || !card_iin_ok(d)) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    int x = *it - '0';
    if (dbl) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool iban_ok(std::string_view in) {
  std::string s;
  for (char c : in)
    if (c != ' ') s += c;
  struct L { const char* cc; unsigned len; };
  static const L kLen[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
      {"BR", 29}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20},
      {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
      {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
      {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
      {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24}, {"PL", 28},
      {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24},
      {"SM", 27}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VG", 24}, {"XK", 20}};
  bool known = false;
  for (const auto& l : kLen)
    if (s.compare(0, 2, l.cc) == 0) {
      if (s.size() != l.len) return false;
      known = true;
    }
  if (!known) return false;
  std::string r = s.substr(4) + s.substr(0, 4);
  unsigned mod = 0;
  for (char c : r) {
    if (is_digit(c)) mod = (mod * 10 + static_cast<unsigned>(c - '0')) % 97;
    else if (c >= 'A' && c <= 'Z') mod = (mod * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    else return false;
  }
  return mod == 1;
}

bool us_ssn_ok(std::string_view v) {
  if (v.size() != 11) return false;
  int area = std::stoi(std::string(v.substr(0, 3)));
  int group = std::stoi(std::string(v.substr(4, 2)));
  int serial = std::stoi(std::string(v.substr(7, 4)));
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  if (v == "123-45-6789" || v == "078-05-1120" || v == "219-09-9999") return false;
  return true;
}

std::string base64_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else break;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool has_repeated_run(std::string_view v, unsigned run) {
  unsigned n = 1;
  for (std::size_t i = 1; i < v.size(); ++i) {
    n = v[i] == v[i - 1] ? n + 1 : 1;
    if (n >= run) return true;
  }
  return false;
}

bool run_validator(const Rule& r, const Candidate& c) {
  switch (r.validator) {
    case Validator::none: return true;
    case Validator::entropy: return shannon_entropy(c.value) >= r.entropy_min;
    case Validator::luhn:
      if (!c.before.empty() && (is_digit(c.before.back()) || c.before.back() == '.' || c.before.back() == '-')) return false;
      if (c.next == '.' && false) return false;
      return luhn_ok(c.value);
    case Validator::iban_mod97: return iban_ok(c.value);
    case Validator::us_ssn:
      if (!c.before.empty() && (c.before.back() == '-' || is_digit(c.before.back()))) return false;
      if (c.next == '-') return false;
      return us_ssn_ok(c.value);
    case Validator::jwt: return jwt_ok(c.value);
    case Validator::password:
      if (c.value.size() < 3 || c.value == "x-oauth-basic") return false;
      if (r.span == Span::url_password) return !has_repeated_run(c.value, 3) || c.value.size() > 8;
      return !looks_like_code(c.value) && shannon_entropy(c.value) >= (r.entropy_min > 0 ? r.entropy_min : 2.0);
    case Validator::basic_auth: {
      std::string d = base64_decode(c.value);
      if (d.find(':') == std::string::npos) return false;
      for (unsigned char ch : d)
        if (ch < 0x20) return false;
      return true;
    }
    case Validator::email: return email_ok(c);
    case Validator::phone: return phone_ok(c);
    case Validator::uk_nino: return uk_nino_ok(c.value);
    case Validator::de_taxid: return de_taxid_ok(c.value);
    case Validator::de_idcard: return de_idcard_ok(c.value);
    case Validator::ipv4: return ipv4_ok(c);
    case Validator::ipv6: return ipv6_ok(c);
    case Validator::mac: return mac_ok(c);
  }
  return false;
}

}  // namespace cordon::filter_detail
