/* The connection object and the engine driver: input buffering, record
 * dispatch, handshake message reassembly, alerts, application data,
 * post-handshake messages (KeyUpdate, NewSessionTicket), exporters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "handshake/internal.h"

gmtls_conn *gmtls_conn_new(gmtls_config *cfg, int is_server)
{
    if (cfg == NULL) {
        return NULL;
    }
    gmtls_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    atomic_fetch_add(&cfg->refs, 1);
    c->cfg = cfg;
    c->is_server = is_server ? 1 : 0;
    c->state = is_server ? ST_S_WAIT_CH : ST_START;
    c->wr.max_frag = cfg->max_send_fragment;
    snprintf(c->verify_result, sizeof c->verify_result, "no peer certificate");
    return c;
}

void gmtls_conn_free(gmtls_conn *c)
{
    if (c == NULL) {
        return;
    }
    gmtls_buf_dispose(&c->rbuf);
    gmtls_buf_dispose(&c->hsbuf);
    gmtls_buf_dispose(&c->hsout);
    gmtls_buf_dispose(&c->hslog);
    if (c->early_buf.base != NULL) {
        gmtls_wipe(c->early_buf.base, c->early_buf.off);
    }
    gmtls_buf_dispose(&c->early_buf);
    gmtls_rec_dispose(&c->early_wr);
    gmtls_rec_dispose(&c->rd);
    gmtls_rec_dispose(&c->wr);
    if (c->transcript_ready) {
        c->transcript.alg->dispose(&c->transcript);
    }
    if (c->pha_saved) {
        c->pha_main.alg->dispose(&c->pha_main);
    }
    gmtls_ks_wipe(&c->ks);
    if (c->kex_state != NULL) {
        c->kex_offered->free(c->kex_state);
    }
    if (c->kex_state2 != NULL) {
        c->kex_offered2->free(c->kex_state2);
    }
    if (c->tlcp_eph != NULL) {
        gmtls_sm2_key_clear(c->tlcp_eph);
        free(c->tlcp_eph);
    }
    free(c->ch1);
    free(c->cr_context);
    gmtls_session_clear(&c->offer);
    gmtls_session_clear(&c->pending12);
    for (size_t i = 0; i < c->nsessions; i++) {
        gmtls_session_clear(&c->sessions[i]);
    }
    free(c->sessions);
    gmtls_peer_clear(c);
    free(c->peer_der);
    free(c->peer_derlen);
    gmtls_config *cfg = c->cfg;
    gmtls_wipe(c, sizeof(*c));
    free(c);
    gmtls_config_free(cfg);
}

int gmtls_conn_set_server_name(gmtls_conn *c, const char *name)
{
    if (name == NULL || strlen(name) >= sizeof c->server_name || c->is_server) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    snprintf(c->server_name, sizeof c->server_name, "%s", name);
    return 0;
}

void gmtls_conn_set_user_data(gmtls_conn *c, void *p)
{
    c->user_data = p;
}

void *gmtls_conn_get_user_data(const gmtls_conn *c)
{
    return c->user_data;
}

int gmtls_fail(gmtls_conn *c, int err, const char *fmt, ...)
{
    if (err != 0 && c->detail[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof c->detail, fmt, ap);
        va_end(ap);
    }
    return err;
}

uint64_t gmtls_now_ms(const gmtls_conn *c)
{
    if (c->cfg->clock != NULL) {
        return c->cfg->clock(c->cfg->clock_arg);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *gmtls_sm2_sign_id(const gmtls_conn *c, size_t *len)
{
    if (c->cfg->sm2_id_mode == GMTLS_SM2_ID_GBT_DEFAULT) {
        *len = GMTLS_SM2_DEFAULT_ID_LEN;
        return GMTLS_SM2_DEFAULT_ID;
    }
    *len = strlen(GMTLS_SM2_ID_TLS13);
    return GMTLS_SM2_ID_TLS13;
}

/* ------------------------------------------------------------ transcript */

int gmtls_transcript_init(gmtls_conn *c, const gmtls_hash_alg *h)
{
    if (c->transcript_ready) {
        c->transcript.alg->dispose(&c->transcript);
        c->transcript_ready = 0;
    }
    c->transcript.alg = h;
    GMTLS_TRY(h->init(&c->transcript));
    c->transcript_ready = 1;
    return 0;
}

void gmtls_transcript_add(gmtls_conn *c, const uint8_t *p, size_t n)
{
    if (c->transcript_ready) {
        c->transcript.alg->update(&c->transcript, p, n);
    }
    /* TLS 1.2: a CertificateVerify signs the messages themselves (RFC 5246
     * §7.4.8), so they are kept until the handshake ends. */
    if (c->hslog_on) {
        if (gmtls_buf_reserve(&c->hslog, n) != 0) {
            c->hslog_on = 0; /* a later CertificateVerify then fails to verify */
            return;
        }
        memcpy(c->hslog.base + c->hslog.off, p, n);
        c->hslog.off += n;
    }
}

int gmtls_transcript_hash(gmtls_conn *c, uint8_t *out)
{
    gmtls_hash_ctx tmp;
    GMTLS_TRY(c->transcript.alg->copy(&tmp, &c->transcript));
    return tmp.alg->final(&tmp, out);
}

void gmtls_keylog(gmtls_conn *c, const char *label, const uint8_t *secret)
{
    if (c->cfg->keylog == NULL) {
        return;
    }
    char line[64 + 1 + 64 + 1 + 2 * GMTLS_MAX_HASH_LEN + 1];
    size_t n = (size_t)snprintf(line, sizeof line, "%s ", label);
    for (int i = 0; i < 32; i++) {
        n += (size_t)snprintf(line + n, sizeof line - n, "%02x", c->client_random[i]);
    }
    line[n++] = ' ';
    for (size_t i = 0; i < c->ks.hash->digest_len; i++) {
        n += (size_t)snprintf(line + n, sizeof line - n, "%02x", secret[i]);
    }
    c->cfg->keylog(c->cfg->keylog_ctx, c, line);
    gmtls_wipe(line, sizeof line);
}

/* ------------------------------------------------------------ output */

void gmtls_hs_begin(gmtls_wr *w, gmtls_buf *tmp, uint8_t type)
{
    gmtls_wr_init(w, tmp);
    gmtls_wr_u8(w, type);
    gmtls_wr_open(w, 3);
}

int gmtls_hs_end(gmtls_conn *c, gmtls_wr *w)
{
    gmtls_wr_close(w);
    int rc = gmtls_wr_finish(w);
    if (rc == 0) {
        rc = gmtls_hs_queue(c, w->buf->base, w->buf->off);
    }
    gmtls_buf_dispose(w->buf);
    return rc;
}

int gmtls_hs_queue(gmtls_conn *c, const uint8_t *msg, size_t len)
{
    GMTLS_TRY(gmtls_buf_reserve(&c->hsout, len));
    memcpy(c->hsout.base + c->hsout.off, msg, len);
    c->hsout.off += len;
    gmtls_transcript_add(c, msg, len);
    return 0;
}

int gmtls_hs_flush(gmtls_conn *c, gmtls_buf *out)
{
    /* RFC 8446 §5.1 lets several handshake messages share a record, but
     * GmSSL 3.x reads exactly one message per record: each message gets its
     * own record(s), at 22 bytes of header, content type and tag per record
     * (docs/ARCHITECTURE.md, "Interoperability defaults"). hsout holds only
     * messages we wrote, each with its 4-byte header. */
    gmtls_rd r;
    int rc = 0;
    gmtls_rd_init(&r, c->hsout.base, c->hsout.off);
    while (rc == 0 && gmtls_rd_left(&r) > 0) {
        const uint8_t *msg = r.p;
        (void)gmtls_rd_u8(&r);
        size_t len = gmtls_rd_u24(&r);
        if (gmtls_rd_bytes(&r, len) == NULL) {
            rc = GMTLS_ERR_BAD_ARGUMENT;
            break;
        }
        rc = gmtls_rec_write(&c->wr, out, GMTLS_CT_HANDSHAKE, msg, 4 + len, c->cfg->record_padding);
    }
    if (c->hsout.off > 0) {
        gmtls_wipe(c->hsout.base, c->hsout.off);
    }
    c->hsout.off = 0;
    return rc;
}

int gmtls_send_ccs(gmtls_conn *c, gmtls_buf *out)
{
    static const uint8_t one = 1;
    /* RFC 8446 §D.4: middlebox compatibility mode sends one dummy
     * change_cipher_spec; callers decide whether the mode is on. */
    if (c->sent_ccs) {
        return 0;
    }
    c->sent_ccs = 1;
    gmtls_rec plain;
    memset(&plain, 0, sizeof plain);
    return gmtls_rec_write(&plain, out, GMTLS_CT_CHANGE_CIPHER_SPEC, &one, 1, 0);
}

static void send_alert(gmtls_conn *c, gmtls_buf *out, uint8_t level, uint8_t desc)
{
    uint8_t a[2] = {level, desc};
    /* RFC 8446 §4.5, §2.3: a client whose 0-RTT was accepted writes under
     * client_early_traffic_secret until its EndOfEarlyData, and the server
     * reads with that key until then: an alert before it goes there too. */
    gmtls_rec *wr = c->early_wr_current ? &c->early_wr : &c->wr;
    if (out != NULL && gmtls_rec_write(wr, out, GMTLS_CT_ALERT, a, 2, c->cfg->record_padding) != 0) {
        c->closed_sent = 1; /* could not even queue the alert: nothing more to say */
    }
}

/* Turns a handler error into the connection's sticky failure, sending the
 * alert it names (or internal_error for an internal failure). */
static int conn_fail(gmtls_conn *c, gmtls_buf *out, int rc)
{
    if (rc == 0 || rc == GMTLS_ERR_WANT_READ || c->failed) {
        return c->failed ? c->failed : rc;
    }
    if (rc == GMTLS_ERR_CLOSED) {
        return rc;
    }
    c->failed = rc;
    c->hsout.off = 0;
    if (GMTLS_IS_ALERT(rc)) {
        /* RFC 8446 §D.4: a client in compatibility mode sends its dummy
         * change_cipher_spec before its first protected record; an alert
         * that rejects the server's flight may be that record. */
        if (!c->is_server && c->peer_sent_ccs && c->wr.suite != NULL && out != NULL) {
            if (gmtls_send_ccs(c, out) != 0) {
                c->closed_sent = 1; /* nothing could be queued: the alert cannot go either */
            }
        }
        send_alert(c, out, 2, (uint8_t)rc);
        gmtls_fail(c, rc, "%s", gmtls_alert_name(rc));
    } else if (rc > 0x100 && rc < 0x200) {
        gmtls_fail(c, rc, "peer sent alert %s", gmtls_alert_name(rc - 0x100));
    } else if (rc == GMTLS_ERR_NOT_TLS) {
        /* RFC 8446 §5: what is not a TLS record is an unexpected record ->
         * unexpected_message; the distinct code tells the caller the peer
         * speaks another protocol (a server may answer plain HTTP with 400). */
        send_alert(c, out, 2, GMTLS_ALERT_UNEXPECTED_MESSAGE);
    } else if (rc != GMTLS_ERR_BAD_ARGUMENT) {
        send_alert(c, out, 2, GMTLS_ALERT_INTERNAL_ERROR);
        gmtls_fail(c, rc, "%s", gmtls_strerror(rc));
    }
    return rc;
}

/* ------------------------------------------------------------ post-handshake */

#define GMTLS_MAX_KEY_UPDATES_IN_A_ROW 32

static int update_write_key(gmtls_conn *c, gmtls_buf *out, int request_peer)
{
    /* RFC 8446 §4.6.3: struct { KeyUpdateRequest request_update; } KeyUpdate;
     * the sender switches its write key right after sending it. */
    uint8_t msg[5] = {GMTLS_HS_KEY_UPDATE, 0, 0, 1, request_peer ? 1 : 0};
    if (request_peer) {
        c->ku_in_a_row = 0; /* the answer we ask for does not count against the peer */
    }
    GMTLS_TRY(gmtls_rec_write(&c->wr, out, GMTLS_CT_HANDSHAKE, msg, sizeof msg, c->cfg->record_padding));
    return gmtls_rec_update(&c->wr);
}

int gmtls_pha_begin(gmtls_conn *c)
{
    /* RFC 8446 §4.4: the Handshake Context of post-handshake authentication
     * is "ClientHello ... client Finished + CertificateRequest": every
     * exchange starts from the handshake's transcript, kept aside. */
    GMTLS_TRY(c->transcript.alg->copy(&c->pha_main, &c->transcript));
    c->pha_saved = 1;
    return 0;
}

void gmtls_pha_end(gmtls_conn *c)
{
    if (c->pha_saved) {
        c->transcript.alg->dispose(&c->transcript);
        c->transcript = c->pha_main;
        memset(&c->pha_main, 0, sizeof c->pha_main);
        c->pha_saved = 0;
    }
}

static int post_handshake(gmtls_conn *c, gmtls_buf *out, uint8_t type, const uint8_t *msg, size_t len,
                          int *key_changed)
{
    if (GMTLS_IS_12FAMILY(c)) {
        /* RFC 5746 §4.4/§4.2: we never renegotiate. A ClientHello (or a
         * HelloRequest) after the handshake is refused with a fatal
         * no_renegotiation, as BoringSSL does; there are no other
         * post-handshake messages in TLS 1.2. */
        if ((c->is_server && type == GMTLS_HS_CLIENT_HELLO) || (!c->is_server && type == 0)) {
            return gmtls_fail(c, GMTLS_ALERT_NO_RENEGOTIATION, "renegotiation refused");
        }
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected post-handshake message %u", type);
    }
    const uint8_t *body = msg + 4;
    switch (type) {
    case GMTLS_HS_KEY_UPDATE: {
        gmtls_rd r;
        gmtls_rd_init(&r, body, len);
        uint8_t req = gmtls_rd_u8(&r);
        GMTLS_TRY(gmtls_rd_done(&r));
        /* RFC 8446 §4.6.3: any value other than 0 or 1 -> illegal_parameter. */
        if (req > 1) {
            return gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "bad KeyUpdate request %u", req);
        }
        /* A peer could keep us rekeying without ever sending data; the RFC
         * sets no bound, we allow 32 KeyUpdates in a row (as BoringSSL). */
        if (++c->ku_in_a_row > GMTLS_MAX_KEY_UPDATES_IN_A_ROW) {
            return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "too many KeyUpdates without application data");
        }
        GMTLS_TRY(gmtls_rec_update(&c->rd));
        *key_changed = 1;
        /* "If the request_update field is set to update_requested, then the
         * receiver MUST send a KeyUpdate of its own with request_update set to
         * update_not_requested prior to sending its next Application Data";
         * "an implementation which receives multiple KeyUpdates while it is
         * silent [responds] with a single update". */
        if (req == 1 && !c->closed_sent && !c->ku_answered) {
            GMTLS_TRY(update_write_key(c, out, 0));
            c->ku_answered = 1;
        }
        return 0;
    }
    case GMTLS_HS_NEW_SESSION_TICKET:
        if (c->is_server) {
            break;
        }
        return gmtls_ticket_recv(c, body, len);
    case GMTLS_HS_CERTIFICATE_REQUEST:
        /* RFC 8446 §4.6.2: "A client that receives a CertificateRequest
         * message without having sent the "post_handshake_auth" extension
         * MUST send an "unexpected_message" fatal alert." */
        if (c->is_server || !c->sent_pha) {
            break;
        }
        return gmtls_client_pha(c, out, msg, 4 + len);
    case GMTLS_HS_CERTIFICATE:
    case GMTLS_HS_CERTIFICATE_VERIFY:
    case GMTLS_HS_FINISHED:
        if (!c->is_server || c->pha_state != GMTLS_PHA_PENDING) {
            break;
        }
        return gmtls_server_pha_handle(c, type, msg, 4 + len);
    default:
        break;
    }
    /* RFC 8446 §4: unexpected messages -> unexpected_message. */
    return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected post-handshake message %u", type);
}

/* ------------------------------------------------------------ input */

static int handle_handshake_bytes(gmtls_conn *c, gmtls_buf *out, const uint8_t *p, size_t n)
{
    /* RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of
     * Handshake types". */
    if (n == 0) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "empty handshake record");
    }
    GMTLS_TRY(gmtls_buf_reserve(&c->hsbuf, n));
    memcpy(c->hsbuf.base + c->hsbuf.off, p, n);
    c->hsbuf.off += n;
    size_t pos = 0;
    int rc = 0;
    while (rc == 0 && c->hsbuf.off - pos >= 4) {
        gmtls_rd r;
        gmtls_rd_init(&r, c->hsbuf.base + pos, c->hsbuf.off - pos);
        uint8_t type = gmtls_rd_u8(&r);
        size_t len = gmtls_rd_u24(&r);
        if (len > GMTLS_MAX_HS_MSG) {
            rc = gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "handshake message too large (%zu bytes)", len);
            break;
        }
        /* The peer's Certificate over our byte limit
         * (gmtls_config_set_peer_chain_limit) is refused from its header,
         * before it is buffered; illegal_parameter, as OpenSSL's
         * max_cert_list (EXCESSIVE_MESSAGE_SIZE). */
        if ((type == GMTLS_HS_CERTIFICATE || type == GMTLS_HS_COMPRESSED_CERTIFICATE) &&
            len > c->cfg->peer_chain_max_bytes) {
            rc = gmtls_fail(c, GMTLS_ALERT_ILLEGAL_PARAMETER, "Certificate of %zu bytes over the limit of %zu", len,
                            c->cfg->peer_chain_max_bytes);
            break;
        }
        if (c->hsbuf.off - pos < 4 + len) {
            break;
        }
        const uint8_t *msg = c->hsbuf.base + pos;
        pos += 4 + len;
        int key_changed = 0;
        if (c->state == ST_DONE) {
            rc = post_handshake(c, out, type, msg, len, &key_changed);
        } else {
            gmtls_rec before = c->rd;
            int hrr_before = c->did_hrr;
            size_t out_mark = out != NULL ? out->off : 0;
            rc = c->is_server ? gmtls_server_handle(c, out, type, msg, 4 + len)
                              : gmtls_client_handle(c, out, type, msg, 4 + len);
            /* RFC 8446 §5.1: "Because the ClientHello, EndOfEarlyData,
             * ServerHello, Finished, and KeyUpdate messages can immediately
             * precede a key change, implementations MUST send these messages
             * in alignment with a record boundary": the first ClientHello and
             * the HelloRetryRequest (a ServerHello) too. */
            key_changed = memcmp(&before.secret, &c->rd.secret, sizeof before.secret) != 0 ||
                          before.suite != c->rd.suite || c->did_hrr != hrr_before;
            gmtls_wipe(&before, sizeof before);
            if (rc == 0 && c->did_hrr != hrr_before && pos != c->hsbuf.off && out != NULL) {
                out->off = out_mark; /* the retry (HRR or second ClientHello) is not sent, the alert is */
            }
        }
        /* RFC 8446 §5.1: "Handshake messages MUST NOT span key changes ...
         * [else] terminate the connection with an unexpected_message alert". */
        if (rc == 0 && key_changed && pos != c->hsbuf.off) {
            rc = gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "handshake data spans a key change");
        }
    }
    if (pos > 0) {
        gmtls_wipe(c->hsbuf.base, pos);
        gmtls_buf_consume(&c->hsbuf, pos);
    }
    if (c->state == ST_DONE) {
        /* Handshake-only memory goes once the handshake is over; a rare
         * post-handshake message allocates again. */
        if (c->hsbuf.off == 0) {
            gmtls_buf_dispose(&c->hsbuf);
        }
        if (c->hsout.off == 0) {
            gmtls_buf_dispose(&c->hsout);
        }
        free(c->ch1);
        c->ch1 = NULL;
        c->ch1_len = 0;
    }
    return rc;
}

/* Counts a record that carried nothing; too many in a row -> unexpected_message. */
/* RFC 5246 §7.2.2: "If an alert with a level of warning is sent and
 * received, generally the connection can continue normally." A client of TLS
 * 1.2 or TLCP, or one that offers TLS 1.2 and has no ServerHello yet (such
 * servers send it just before theirs), goes on after the warning-level
 * unrecognized_name (RFC 6066 §3) sent for a server_name a server does not
 * know; every other alert ends the connection, and in TLS 1.3 (RFC 8446
 * §6.2: error alerts "regardless of the AlertLevel") this one too. */
static int sni_warning_ignored(const gmtls_conn *c, const uint8_t alert[2])
{
    int tls12 = GMTLS_IS_12FAMILY(c) || (c->version == 0 && c->cfg->min_version <= GMTLS_TLS12);
    return !c->is_server && tls12 && alert[0] == 1 && alert[1] == GMTLS_ALERT_UNRECOGNIZED_NAME;
}

static int count_empty_record(gmtls_conn *c, const char *what)
{
    /* A peer must not keep the connection busy with records that cost it
     * nothing (RFC 8446 §5 leaves the bound to us; BoringSSL and OpenSSL
     * stop after 32 in a row with unexpected_message). */
    if (++c->empty_records > GMTLS_MAX_EMPTY_RECORDS) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "more than %d %s records in a row",
                          GMTLS_MAX_EMPTY_RECORDS, what);
    }
    return 0;
}

/* Checks the header of the first record, as far as it has arrived, for being
 * TLS at all, so that another protocol (an SSLv2 ClientHello, plain HTTP, an
 * SSH banner) fails at once instead of waiting for a "record" that never
 * completes. */
static int check_first_header(gmtls_conn *c, const uint8_t *p, size_t n)
{
    /* RFC 8446 §5.1: a record starts ContentType type; ProtocolVersion
     * legacy_record_version (0x0301 or 0x0303 from a TLS peer, 0x0300 for
     * SSL 3.0): a major version other than 3 is not a TLS record. */
    /* GB/T 38636-2020 §6.3.3.1: TLCP records carry version {1, 1} (0x0101),
     * which a server with an encryption certificate answers and a TLCP
     * client expects. */
    int tlcp =
        (c->is_server ? c->cfg->has_enc_cert : c->cfg->tlcp_client) && n >= 2 && p[1] == 1 && (n < 3 || p[2] == 1);
    if (n >= 2 && p[1] != 3 && !tlcp) {
        return gmtls_fail(c, GMTLS_ERR_NOT_TLS, "the peer does not speak TLS (first bytes %02x %02x%s)", p[0], p[1],
                          p[0] >= 'A' && p[0] <= 'Z' ? ", maybe plain HTTP" : "");
    }
    if (n < GMTLS_REC_HDR) {
        return 0;
    }
    /* RFC 8446 §5: "If a TLS implementation receives an unexpected record
     * type, it MUST terminate the connection with an "unexpected_message"
     * alert": the first record is a Hello (handshake) or an alert. */
    if (p[0] != GMTLS_CT_HANDSHAKE && p[0] != GMTLS_CT_ALERT) {
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "record type %u before the Hello", p[0]);
    }
    /* RFC 8446 §5.1: plaintext "length MUST NOT exceed 2^14 bytes ...
     * record_overflow" - known from the header already. */
    if (((size_t)p[3] << 8 | p[4]) > GMTLS_MAX_PLAINTEXT) {
        return gmtls_fail(c, GMTLS_ALERT_RECORD_OVERFLOW, "first record of %u bytes", (unsigned)(p[3] << 8 | p[4]));
    }
    return 0;
}

/* Opens one record (header hdr, body in place) and acts on its content. */
static int handle_record(gmtls_conn *c, gmtls_buf *out, gmtls_buf *app, const uint8_t *hdr, const uint8_t *in,
                         uint8_t *body, size_t bodylen)
{
    uint8_t type, *payload;
    size_t len;
    c->got_record = 1;
    if (c->skip_early_data && c->rd.suite == NULL && hdr[0] == GMTLS_CT_APPLICATION_DATA) {
        /* RFC 8446 §4.2.10: a server that answers with a HelloRetryRequest
         * "ignores early data by skipping all records with an external content
         * type of "application_data" (indicating that they are encrypted), up
         * to the configured max_early_data_size"; §4.6.1: more than that ->
         * unexpected_message. */
        c->early_skipped += bodylen;
        if (c->early_skipped > GMTLS_MAX_EARLY_SKIP) {
            return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "too much early data to skip");
        }
        return 0;
    }
    gmtls_rec plain;
    gmtls_rec *rd = &c->rd;
    if (hdr[0] == GMTLS_CT_ALERT && c->rd.suite != NULL && c->rd.seq == 0 && c->state != ST_DONE &&
        !GMTLS_IS_12FAMILY(c)) {
        /* A peer that fails before it has installed its handshake keys (a
         * client rejecting our certificate) sends its alert in plaintext
         * (RFC 8446 §5: records are protected only once keys are
         * established): until its first protected record, read a plaintext
         * alert as the peer's alert rather than as an unexpected record. */
        memset(&plain, 0, sizeof plain);
        rd = &plain;
    }
    int rc = gmtls_rec_open_split(rd, hdr, in, body, bodylen, &type, &payload, &len);
    if (rc == GMTLS_ALERT_BAD_RECORD_MAC && c->skip_early_data) {
        /* RFC 8446 §4.2.10: a server that rejects early data skips records it
         * cannot decrypt with the handshake key, up to max_early_data_size. */
        c->early_skipped += GMTLS_REC_HDR + bodylen;
        if (c->early_skipped > GMTLS_MAX_EARLY_SKIP) {
            return gmtls_fail(c, GMTLS_ALERT_BAD_RECORD_MAC, "too much early data to skip");
        }
        return 0;
    }
    if (rc != 0) {
        return gmtls_fail(c, rc, "record: %s", gmtls_alert_name(rc));
    }
    if (c->rd.suite != NULL && hdr[0] == GMTLS_CT_APPLICATION_DATA) {
        c->skip_early_data = 0; /* the first record that decrypts ends the skipping */
    }
    if (len == 0 || type == GMTLS_CT_CHANGE_CIPHER_SPEC ||
        (type == GMTLS_CT_ALERT && len == 2 && payload[1] == GMTLS_ALERT_USER_CANCELED) ||
        (type == GMTLS_CT_ALERT && len == 2 && sni_warning_ignored(c, payload))) {
        GMTLS_TRY(count_empty_record(c, len == 0                              ? "empty"
                                        : type == GMTLS_CT_CHANGE_CIPHER_SPEC ? "change_cipher_spec"
                                                                              : "ignored alert"));
    } else {
        c->empty_records = 0;
        c->user_canceled = 0;
    }
    switch (type) {
    case GMTLS_CT_CHANGE_CIPHER_SPEC:
        /* RFC 5246 §7.1: "The message consists of a single byte of value 1";
         * in TLS 1.2 it switches the read keys. */
        if (GMTLS_IS_12FAMILY(c)) {
            if (len != 1 || payload[0] != 1 || c->state == ST_DONE) {
                return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec");
            }
            return gmtls_tls12_ccs(c);
        }
        /* RFC 8446 §5: an unprotected change_cipher_spec of the single byte 1
         * is dropped between the first ClientHello and the peer's Finished;
         * any other value, or a protected one -> unexpected_message. */
        if (hdr[0] == GMTLS_CT_CHANGE_CIPHER_SPEC && len == 1 && payload[0] == 1 && c->ccs_allowed) {
            c->peer_sent_ccs = 1;
            return 0;
        }
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unexpected change_cipher_spec");
    case GMTLS_CT_ALERT: {
        /* RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert
         * records that have a zero-length TLSInnerPlaintext.content; if such a
         * message is received, the receiving implementation MUST terminate the
         * connection with an "unexpected_message" alert." (§5.1 the same for
         * plaintext records.) */
        if (len == 0) {
            return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "empty alert record");
        }
        gmtls_rd r;
        gmtls_rd_init(&r, payload, len);
        uint8_t level = gmtls_rd_u8(&r), desc = gmtls_rd_u8(&r);
        if (gmtls_rd_done(&r) != 0) {
            return gmtls_fail(c, GMTLS_ALERT_DECODE_ERROR, "malformed alert");
        }
        (void)level;
        if (desc == GMTLS_ALERT_CLOSE_NOTIFY) {
            c->closed_recv = 1;
            return GMTLS_ERR_CLOSED;
        }
        /* RFC 8446 §6.1: user_canceled "SHOULD be followed by a
         * "close_notify""; §6.2: every other alert is an error alert whatever
         * its level. A peer that sends user_canceled again and again instead
         * is cut off at the 5th in a row, as by BoringSSL and OpenSSL. */
        if (sni_warning_ignored(c, payload)) {
            return 0; /* counted above with the empty records */
        }
        if (desc == GMTLS_ALERT_USER_CANCELED) {
            if (++c->user_canceled > GMTLS_MAX_USER_CANCELED) {
                return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "more than %d user_canceled alerts in a row",
                                  GMTLS_MAX_USER_CANCELED);
            }
            return 0;
        }
        c->failed = GMTLS_ERR_PEER_ALERT(desc);
        return gmtls_fail(c, c->failed, "peer sent alert %s (%u)", gmtls_alert_name(desc), desc);
    }
    case GMTLS_CT_HANDSHAKE:
        return handle_handshake_bytes(c, out, payload, len);
    case GMTLS_CT_APPLICATION_DATA:
        if (c->state == ST_S_WAIT_EOED) {
            /* RFC 8446 §4.2.10: "Only Application Data payload (i.e.,
             * plaintext but not padding or the inner content type byte) is
             * counted. A server receiving more than max_early_data_size bytes
             * of 0-RTT data SHOULD terminate the connection with an
             * "unexpected_message" alert." */
            if (len > c->early_max - c->early_received) {
                return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "more than %u bytes of early data",
                                  (unsigned)c->early_max);
            }
            GMTLS_TRY(gmtls_buf_reserve(&c->early_buf, len));
            memcpy(c->early_buf.base + c->early_buf.off, payload, len);
            c->early_buf.off += len;
            c->early_received += len;
            c->bytes_received += len;
            return 0;
        }
        if (c->state != ST_DONE || app == NULL || c->rd.suite == NULL) {
            return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "application data before the handshake completed");
        }
        /* A handshake message cannot be interleaved with application data. */
        if (c->hsbuf.off != 0) {
            return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "application data inside a handshake message");
        }
        if (payload != app->base + app->off) {
            GMTLS_TRY(gmtls_buf_reserve(app, len));
            memcpy(app->base + app->off, payload, len);
        }
        app->off += len;
        c->bytes_received += len;
        c->ku_in_a_row = 0;
        return 0;
    default:
        return gmtls_fail(c, GMTLS_ALERT_UNEXPECTED_MESSAGE, "unknown record type %u", type);
    }
}

/* Buffers the input and processes every complete record; stops early when
 * `until_done` and the handshake completes, handing back what it did not use. */
static int process(gmtls_conn *c, gmtls_buf *out, gmtls_buf *app, const uint8_t *in, size_t *inlen, int until_done)
{
    size_t avail = *inlen, pos = 0;
    int rc = 0;
    /* Fast path for application data: whole records straight from the input,
     * each body copied once to the end of app and decrypted there, so the
     * plaintext lands where the caller reads it. */
    while (app != NULL && c->rbuf.off == 0 && c->state == ST_DONE && !c->closed_recv && avail - pos >= 5) {
        int err;
        size_t rl = gmtls_rec_next_len(in + pos, avail - pos, &err);
        if (err != 0) {
            *inlen = pos;
            return gmtls_fail(c, err, "record too long");
        }
        if (rl == 0 || rl > avail - pos) {
            break;
        }
        GMTLS_TRY(gmtls_buf_reserve(app, rl));
        rc = handle_record(c, out, app, in + pos, in + pos + GMTLS_REC_HDR, app->base + app->off, rl - GMTLS_REC_HDR);
        pos += rl;
        if (rc != 0) {
            *inlen = pos;
            return rc;
        }
    }
    if (pos != 0) { /* in may be NULL when there is no input (NULL + 0 is undefined) */
        in += pos;
        avail -= pos;
    }
    size_t fast = pos;
    pos = 0;
    if (avail > 0) {
        GMTLS_TRY(gmtls_buf_reserve(&c->rbuf, avail));
        memcpy(c->rbuf.base + c->rbuf.off, in, avail);
        c->rbuf.off += avail;
    }
    while (!(until_done && c->state == ST_DONE) && !c->closed_recv && c->rbuf.off > pos) {
        int err;
        if (!c->got_record) {
            rc = check_first_header(c, c->rbuf.base + pos, c->rbuf.off - pos);
            if (rc != 0) {
                break;
            }
        }
        size_t rl = gmtls_rec_next_len(c->rbuf.base + pos, c->rbuf.off - pos, &err);
        if (err != 0) {
            rc = gmtls_fail(c, err, "record too long");
            break;
        }
        if (rl == 0 || rl > c->rbuf.off - pos) {
            break;
        }
        uint8_t *body = c->rbuf.base + pos + GMTLS_REC_HDR;
        rc = handle_record(c, out, app, c->rbuf.base + pos, body, body, rl - GMTLS_REC_HDR);
        pos += rl;
        if (rc != 0) {
            break;
        }
    }
    size_t left = c->rbuf.off - pos;
    if (rc == 0 && (c->state == ST_DONE || c->closed_recv) && left > 0 && left <= avail) {
        /* Give back bytes after the last record used: they belong to the
         * caller's next call (gmtls_receive). */
        *inlen = fast + avail - left;
        c->rbuf.off = pos;
    }
    gmtls_buf_consume(&c->rbuf, pos);
    return rc;
}

int gmtls_handshake(gmtls_conn *c, gmtls_buf *out, const uint8_t *in, size_t *inlen)
{
    size_t zero = 0;
    if (inlen == NULL) {
        inlen = &zero;
    }
    if (c->failed) {
        *inlen = 0;
        return c->failed;
    }
    if (c->state == ST_DONE) {
        *inlen = 0;
        return 0;
    }
    int rc = 0;
    if (c->state == ST_START) {
        rc = gmtls_client_start(c, out);
        if (rc != 0) {
            *inlen = 0;
            return conn_fail(c, out, rc);
        }
    }
    rc = process(c, out, NULL, in, inlen, 1);
    if (rc == 0) {
        rc = c->state == ST_DONE ? 0 : GMTLS_ERR_WANT_READ;
    }
    return conn_fail(c, out, rc);
}

int gmtls_receive(gmtls_conn *c, gmtls_buf *out, gmtls_buf *app, const uint8_t *in, size_t *inlen)
{
    size_t zero = 0;
    if (inlen == NULL) {
        inlen = &zero;
    }
    if (c->failed) {
        *inlen = 0;
        return c->failed;
    }
    if (c->state != ST_DONE) {
        *inlen = 0;
        return GMTLS_ERR_NOT_READY;
    }
    c->last_read_early = 0;
    if (c->is_server && c->early_buf.off > 0) {
        /* 0-RTT data first, alone: the caller learns it was early
         * (gmtls_conn_last_read_early) before any 1-RTT byte. */
        *inlen = 0;
        GMTLS_TRY(gmtls_buf_reserve(app, c->early_buf.off));
        memcpy(app->base + app->off, c->early_buf.base, c->early_buf.off);
        app->off += c->early_buf.off;
        gmtls_wipe(c->early_buf.base, c->early_buf.off);
        gmtls_buf_dispose(&c->early_buf);
        c->last_read_early = 1;
        return 0;
    }
    if (c->closed_recv) {
        *inlen = 0;
        return GMTLS_ERR_CLOSED;
    }
    return conn_fail(c, out, process(c, out, app, in, inlen, 0));
}

int gmtls_send(gmtls_conn *c, gmtls_buf *out, const void *data, size_t len)
{
    if (c->failed) {
        return c->failed;
    }
    if (c->state != ST_DONE) {
        return GMTLS_ERR_NOT_READY;
    }
    if (c->closed_sent) {
        return GMTLS_ERR_CLOSED;
    }
    const uint8_t *p = data;
    size_t max = gmtls_rec_max_plain(&c->wr); /* one record each (RFC 8449 may lower it) */
    do {
        size_t n = len > max ? max : len;
        /* RFC 8446 §5.5: rekey before the AEAD's record limit is reached
         * (or the configured, smaller limit). */
        /* (TLCP's CBC suites have no AEAD and no limit but the sequence number's.) */
        uint64_t limit = c->wr.suite->aead != NULL ? c->wr.suite->aead->max_records - 1 : UINT64_MAX;
        if (c->cfg->key_update_records != 0 && c->cfg->key_update_records < limit) {
            limit = c->cfg->key_update_records;
        }
        /* TLS 1.2 has no KeyUpdate: its records run on one key (the record
         * layer refuses to wrap the sequence number). */
        if (c->wr.seq >= limit && !GMTLS_IS_12FAMILY(c)) {
            int rc = update_write_key(c, out, 0);
            if (rc != 0) {
                return conn_fail(c, out, rc);
            }
        }
        int rc = gmtls_rec_write(&c->wr, out, GMTLS_CT_APPLICATION_DATA, p, n, c->cfg->record_padding);
        if (rc != 0) {
            return conn_fail(c, out, rc);
        }
        p += n;
        len -= n;
        c->bytes_sent += n;
        c->ku_answered = 0; /* no longer silent: the next request is answered */
    } while (len > 0);
    return 0;
}

int gmtls_send_alert(gmtls_conn *c, gmtls_buf *out, int is_fatal, uint8_t alert)
{
    if (c->closed_sent) {
        return 0;
    }
    send_alert(c, out, is_fatal ? 2 : 1, alert);
    if (alert == GMTLS_ALERT_CLOSE_NOTIFY || is_fatal) {
        c->closed_sent = 1;
    }
    if (is_fatal && !c->failed) {
        c->failed = alert;
    }
    return 0;
}

int gmtls_close(gmtls_conn *c, gmtls_buf *out)
{
    /* RFC 8446 §6.1: close_notify is sent with level warning (1). */
    return gmtls_send_alert(c, out, 0, GMTLS_ALERT_CLOSE_NOTIFY);
}

int gmtls_key_update(gmtls_conn *c, gmtls_buf *out, int request_peer)
{
    if (c->failed) {
        return c->failed;
    }
    if (c->state != ST_DONE) {
        return GMTLS_ERR_NOT_READY;
    }
    if (GMTLS_IS_12FAMILY(c)) {
        return GMTLS_ERR_BAD_ARGUMENT; /* TLS 1.2 has no KeyUpdate */
    }
    return conn_fail(c, out, update_write_key(c, out, request_peer));
}

int gmtls_request_client_cert(gmtls_conn *c, gmtls_buf *out, gmtls_client_auth mode)
{
    if (c->failed) {
        return c->failed;
    }
    if (!c->is_server || mode < GMTLS_CLIENT_AUTH_REQUEST || mode > GMTLS_CLIENT_AUTH_REQUIRE_AND_VERIFY) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (c->state != ST_DONE) {
        return GMTLS_ERR_NOT_READY;
    }
    /* RFC 8446 §4.6.2: "Servers MUST NOT send a post-handshake
     * CertificateRequest to clients which do not offer this extension"; one
     * request at a time (ours; the RFC allows several). */
    if (!c->peer_pha || c->pha_state == GMTLS_PHA_PENDING || c->closed_sent) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    return conn_fail(c, out, gmtls_server_pha_request(c, out, mode));
}

int gmtls_conn_pha_status(const gmtls_conn *c)
{
    return c->pha_state;
}

int gmtls_conn_peer_offers_pha(const gmtls_conn *c)
{
    return c->peer_pha;
}

int gmtls_export(const gmtls_conn *c, const char *label, const uint8_t *context, size_t context_len,
                 int has_context, uint8_t *out, size_t outlen)
{
    if (c->state != ST_DONE || c->ks.hash == NULL) {
        return GMTLS_ERR_NOT_READY;
    }
    if (label == NULL || strlen(label) > 249 || outlen > 255 * c->ks.hash->digest_len) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    if (GMTLS_IS_12FAMILY(c)) {
        return gmtls_exporter12(c->ks.hash, c->ks.master, c->client_random, c->server_random, label, context,
                                context ? context_len : 0, has_context && context != NULL, out, outlen);
    }
    /* RFC 8446 §7.5: no context and an empty context are the same. */
    (void)has_context;
    return gmtls_exporter(c->ks.hash, c->ks.exporter, label, context ? context : (const uint8_t *)"",
                          context ? context_len : 0, out, outlen);
}

/* ------------------------------------------------------------ getters */

int gmtls_conn_is_server(const gmtls_conn *c)
{
    return c->is_server;
}

int gmtls_conn_handshake_done(const gmtls_conn *c)
{
    return c->state == ST_DONE && !c->failed;
}

uint16_t gmtls_conn_version(const gmtls_conn *c)
{
    if (c->suite == NULL) {
        return 0;
    }
    return c->version != 0 ? c->version : GMTLS_TLS13;
}

uint16_t gmtls_conn_cipher_suite(const gmtls_conn *c)
{
    return c->suite != NULL ? c->suite->id : 0;
}

uint16_t gmtls_conn_group(const gmtls_conn *c)
{
    return c->group;
}

uint16_t gmtls_conn_sigalg(const gmtls_conn *c)
{
    return c->sigalg;
}

uint16_t gmtls_conn_peer_sigalg(const gmtls_conn *c)
{
    return c->peer_sigalg;
}

const char *gmtls_conn_alpn(const gmtls_conn *c)
{
    return c->alpn[0] ? c->alpn : NULL;
}

const char *gmtls_conn_server_name(const gmtls_conn *c)
{
    return c->server_name[0] ? c->server_name : NULL;
}

int gmtls_conn_is_resumed(const gmtls_conn *c)
{
    return c->resumed;
}

int gmtls_conn_early_data_state(const gmtls_conn *c)
{
    return c->early_state;
}

int gmtls_conn_last_read_early(const gmtls_conn *c)
{
    return c->last_read_early;
}

int gmtls_conn_set_early_data(gmtls_conn *c, const void *data, size_t len)
{
    if (c->is_server || c->state != ST_START || len == 0 || data == NULL) {
        return GMTLS_ERR_BAD_ARGUMENT;
    }
    gmtls_buf_dispose(&c->early_buf);
    GMTLS_TRY(gmtls_buf_reserve(&c->early_buf, len));
    memcpy(c->early_buf.base, data, len);
    c->early_buf.off = len;
    return 0;
}

const char *gmtls_conn_early_data_reason(const gmtls_conn *c)
{
    if (c == NULL || c->state != ST_DONE) {
        return "unknown";
    }
    if (c->early_reason != NULL) {
        return c->early_reason;
    }
    if (gmtls_conn_version(c) != GMTLS_TLS13) {
        /* TLS 1.2 / TLCP have no 0-RTT */
        return !c->is_server || c->cfg->max_early_data > 0 ? "protocol_version" : "disabled";
    }
    if (c->early_state == GMTLS_EARLY_ACCEPTED) {
        return "accept";
    }
    /* a client that sent early data the server did not take */
    if (c->did_hrr) {
        return "hello_retry_request";
    }
    return c->resumed ? "peer_declined" : "session_not_resumed";
}

const uint8_t *gmtls_conn_psk_identity(const gmtls_conn *c, size_t *len)
{
    if (c->ext_psk == NULL) {
        *len = 0;
        return NULL;
    }
    *len = c->ext_psk->id_len;
    return c->ext_psk->id;
}

int gmtls_conn_psk_ke_only(const gmtls_conn *c)
{
    return c->psk_ke_only;
}

int gmtls_conn_did_hrr(const gmtls_conn *c)
{
    return c->did_hrr;
}

const uint8_t *gmtls_conn_peer_cert(const gmtls_conn *c, size_t i, size_t *len)
{
    if (i >= c->npeer) {
        return NULL;
    }
    *len = c->peer_derlen[i];
    return c->peer_der[i];
}

const char *gmtls_conn_peer_subject(const gmtls_conn *c)
{
    return c->peer_subject[0] ? c->peer_subject : NULL;
}

const uint8_t *gmtls_conn_session_id(const gmtls_conn *c, size_t *len)
{
    int v12 = c->version == GMTLS_TLS12 || c->version == GMTLS_TLCP;
    *len = v12 ? c->sid12_len : 0;
    return *len > 0 ? c->sid12 : NULL;
}

const char *gmtls_conn_verify_result(const gmtls_conn *c)
{
    return c->verify_result;
}

const uint8_t *gmtls_conn_ocsp_response(const gmtls_conn *c, size_t *len)
{
    *len = c->ocsp_len;
    return c->ocsp;
}

const uint8_t *gmtls_conn_scts(const gmtls_conn *c, size_t *len)
{
    *len = c->scts_len;
    return c->scts;
}

uint64_t gmtls_conn_bytes_sent(const gmtls_conn *c)
{
    return c->bytes_sent;
}

uint64_t gmtls_conn_bytes_received(const gmtls_conn *c)
{
    return c->bytes_received;
}

const char *gmtls_conn_error_detail(const gmtls_conn *c)
{
    return c->detail;
}
