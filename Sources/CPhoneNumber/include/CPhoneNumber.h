// libphonenumber (Google's, Debian's libphonenumber-dev) behind a C interface, so Swift calls
// it without C++ interop and the Kit's public API and the adapters' build settings stay free
// of C++. Implemented in shim.cpp.
#ifndef LISTENING_POST_CPHONENUMBER_H
#define LISTENING_POST_CPHONENUMBER_H

#ifdef __cplusplus
extern "C" {
#endif

/// What lp_phone_e164 made of a number.
typedef enum {
    LP_PHONE_VALID = 0,       ///< `out` holds the E.164 form.
    LP_PHONE_UNPARSEABLE = 1, ///< Not a phone number at all (or no region to read it in).
    LP_PHONE_INVALID = 2,     ///< Parsed, but no such number can exist (wrong length, unknown country code, local-only).
} lp_phone_status;

/// Parses `raw` as dialled in `default_region` (ISO 3166 alpha-2, such as "GB"; may be NULL
/// or "" when the number is international), checks that such a number can exist, and writes its E.164 form
/// (NUL-terminated) into `out`.
lp_phone_status lp_phone_e164(const char *raw, const char *default_region, char *out, int out_size);

/// The main region of a calling code (44 → "GB", 1 → "US"), written into `out`; 0 when the
/// calling code is unknown.
int lp_phone_region_for_calling_code(int calling_code, char *out, int out_size);

/// 1 when libphonenumber knows the region.
int lp_phone_is_supported_region(const char *region);

#ifdef __cplusplus
}
#endif

#endif
