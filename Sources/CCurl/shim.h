// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
// cannot call, so each use gets a typed wrapper here.
#ifndef LISTENING_POST_CCURL_SHIM_H
#define LISTENING_POST_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode lp_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lp_curl_getinfo_socket(CURL *handle, curl_socket_t *socket) {
    return curl_easy_getinfo(handle, CURLINFO_ACTIVESOCKET, socket);
}

static inline CURLcode lp_curl_setopt_errorbuffer(CURL *handle, char *buffer) {
    return curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, buffer);
}

static inline CURLcode lp_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}

typedef size_t (*lp_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode lp_curl_setopt_read(CURL *handle, lp_curl_read_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_READDATA, context);
}

static inline CURLcode lp_curl_getinfo_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

#endif
