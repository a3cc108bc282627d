#ifndef SLIPWAY_CCRYPTO_SHIM_H
#define SLIPWAY_CCRYPTO_SHIM_H
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* The HMAC algorithm, fetched once per process (fetching by name is the expensive part of an OpenSSL 3 MAC). */
static inline EVP_MAC *slipway_hmac_algorithm(void) {
    return EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
}

/* A new HMAC-SHA256 context keyed with `key`; NULL on failure. The key's pads are computed here, once. */
static inline EVP_MAC_CTX *slipway_hmac_sha256_new(EVP_MAC *mac, const unsigned char *key, size_t key_length) {
    EVP_MAC_CTX *context = EVP_MAC_CTX_new(mac);
    if (context == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    /* OpenSSL rejects a NULL key pointer even for an empty key. */
    static const unsigned char empty = 0;
    if (EVP_MAC_init(context, key_length == 0 ? &empty : key, key_length, params) != 1) {
        EVP_MAC_CTX_free(context);
        return NULL;
    }
    return context;
}

/* Starts a new message with the key already set (no key processing). */
static inline int slipway_hmac_restart(EVP_MAC_CTX *context) {
    return EVP_MAC_init(context, NULL, 0, NULL);
}
#endif
