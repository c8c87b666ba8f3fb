// The C face of libphonenumber for ListeningPost (see include/CPhoneNumber.h). Written by
// hand because it is glue, not logic: every decision about numbers is libphonenumber's.
#include "CPhoneNumber.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <set>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

static int copy_out(const std::string &value, char *out, int out_size) {
    if (out == nullptr || out_size <= 0 || static_cast<int>(value.size()) >= out_size) return 0;
    std::memcpy(out, value.c_str(), value.size() + 1);
    return static_cast<int>(value.size());
}

extern "C" lp_phone_status lp_phone_e164(const char *raw, const char *default_region, char *out, int out_size) {
    if (raw == nullptr) return LP_PHONE_UNPARSEABLE;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    const std::string region = (default_region != nullptr && *default_region != '\0') ? default_region : "ZZ";
    if (util->Parse(raw, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return LP_PHONE_UNPARSEABLE;
    // Valid (in an assigned range), or at least possible (the right length for its country)
    // without a leading zero kept by a misread trunk prefix. Possible alone would take a
    // truncated "07700 9001" as +44077009001; valid alone would turn away ranges opened
    // after the installed metadata was made, and the ranges reserved for fiction that tests
    // and examples use (+44 7700 900xxx).
    // The length check first: it is cheap, and settles most numbers without the range check.
    const bool possible = util->IsPossibleNumberWithReason(number) == PhoneNumberUtil::IS_POSSIBLE && !number.italian_leading_zero();
    if (!possible && !util->IsValidNumber(number)) return LP_PHONE_INVALID;
    std::string formatted;
    util->Format(number, PhoneNumberUtil::E164, &formatted);
    return copy_out(formatted, out, out_size) > 0 ? LP_PHONE_VALID : LP_PHONE_UNPARSEABLE;
}

extern "C" int lp_phone_region_for_calling_code(int calling_code, char *out, int out_size) {
    std::string region;
    PhoneNumberUtil::GetInstance()->GetRegionCodeForCountryCode(calling_code, &region);
    if (region == "ZZ") return 0;
    return copy_out(region, out, out_size);
}

extern "C" int lp_phone_is_supported_region(const char *region) {
    if (region == nullptr) return 0;
    std::set<std::string> regions;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions.count(region) > 0 ? 1 : 0;
}
