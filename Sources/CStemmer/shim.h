// Snowball stemmers (Debian's libstemmer-dev), for matching themes on stems.
#include <libstemmer.h>
