/* fuzz/fuzz_tlcp_client.c - libFuzzer target: the TLCP client handshake
 * (GB/T 38636-2020, tls12.c), whose server messages before Finished are
 * plaintext: ServerHello (version 0x0101, session ID, suite, no
 * extensions), Certificate (signing, then encryption certificate, then
 * CAs), ServerKeyExchange (an SM2 signature over the randoms and the
 * encryption certificate), ServerHelloDone; in an abbreviated handshake
 * ServerHello, change_cipher_spec and an encrypted Finished.
 *
 * A TLCP client (verification off) offering a fixed session (ECC_SM4_GCM_SM3,
 * ID 32 x 0x5a, master secret 48 x 0x11) is driven by fuzz_client_harness.h.
 * The client random is fixed (32 x 0x5a) after its ClientHello is made, so
 * that a seed's ServerKeyExchange signature verifies (the fuzzer reaches
 * the SM2 encryption of the pre-master and the client's second flight) and
 * a seed's resumed Finished record decrypts (its keys come from the master
 * secret and the randoms; the transcript holds the real ClientHello, so
 * the Finished itself is refused). Seeds: tlcp_full_gcm, tlcp_full_cbc
 * (gmtls TLCP server flights answering that client random) and
 * tlcp_resumed (the gmtls server resuming that session). */
#include "fuzz_client_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed clock keeps the offered session live. */
static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1700000000000ull;
}

static gmtls_config *client_config(void)
{
    static gmtls_config *cfg;
    if (cfg == NULL) {
        cfg = gmtls_config_new();
        if (cfg == NULL) {
            abort();
        }
        gmtls_config_set_tlcp_client(cfg, 1);
        gmtls_config_set_verify_peer(cfg, 0);
        gmtls_config_set_clock(cfg, fixed_clock, NULL);
    }
    return cfg;
}

static void offer_session(gmtls_conn *c)
{
    gmtls_session *o = &c->offer;
    o->suite = 0xe053;
    memset(o->psk, 0x11, GMTLS_MASTER12_LEN);
    o->psk_len = GMTLS_MASTER12_LEN;
    memset(o->session_id, 0x5a, 32);
    o->session_id_len = 32;
    o->lifetime = 86400;
    o->received_ms = fixed_clock(NULL);
}

static void fix_random(gmtls_conn *c)
{
    memset(c->client_random, 0x5a, sizeof c->client_random);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_client_run(client_config(), offer_session, fix_random, data, size);
}
