/* tests/sm/wycheproof_test.c - Project Wycheproof SM4-GCM, SM4-CCM and
 * HMAC-SM3 vectors, read as shipped (JSON) from the test vectors
 * directory; every valid and invalid case, once per CPU path. */
#include "gmtls/sm.h"
#include "json.h"
#include "sm/sm_internal.h"
#include "sm_paths.h"
#include "test.h"

static int cases_total;

/* Our verdict for one case: 1 accepted, 0 rejected. */
static int aead_case(int ccm, const json_value *t, long tcid)
{
    size_t kl, nl, al, ml, cl, tl;
    uint8_t *key = test_unhex_alloc(json_get_str(t, "key"), &kl);
    uint8_t *iv = test_unhex_alloc(json_get_str(t, "iv"), &nl);
    uint8_t *aad = test_unhex_alloc(json_get_str(t, "aad"), &al);
    uint8_t *msg = test_unhex_alloc(json_get_str(t, "msg"), &ml);
    uint8_t *ct = test_unhex_alloc(json_get_str(t, "ct"), &cl);
    uint8_t *tag = test_unhex_alloc(json_get_str(t, "tag"), &tl);
    int accepted = 0;
    if (!key || !iv || !aad || !msg || !ct || !tag || kl != 16) {
        fprintf(stderr, "  tcId %ld: malformed case\n", tcid);
        CHECK(0);
        goto out;
    }
    uint8_t *buf = malloc(cl + 1), stag[16];
    CHECK(buf != NULL);
    if (buf == NULL) {
        goto out;
    }
    memcpy(buf, ct, cl);
    int r;
    if (ccm) {
        gmtls_sm4_ccm_ctx c;
        gmtls_sm4_ccm_init(&c, key);
        r = gmtls_sm4_ccm_open(&c, iv, nl, aad, al, buf, cl, tag, tl);
        gmtls_sm4_ccm_clear(&c);
    } else {
        gmtls_sm4_gcm_ctx c;
        gmtls_sm4_gcm_init(&c, key);
        r = gmtls_sm4_gcm_open(&c, iv, nl, aad, al, buf, cl, tag, tl);
        gmtls_sm4_gcm_clear(&c);
    }
    accepted = r == 0 && cl == ml && memcmp(buf, msg, ml) == 0;
    if (r != 0) {
        /* a failed open leaves zeros */
        uint8_t acc = 0;
        for (size_t i = 0; i < cl; i++) {
            acc |= buf[i];
        }
        CHECK(acc == 0);
    }
    /* Sealing the message must reproduce ct||tag whenever open accepted. */
    if (accepted) {
        memcpy(buf, msg, ml);
        if (ccm) {
            gmtls_sm4_ccm_ctx c;
            gmtls_sm4_ccm_init(&c, key);
            r = gmtls_sm4_ccm_seal(&c, iv, nl, aad, al, buf, ml, stag, tl);
            gmtls_sm4_ccm_clear(&c);
        } else {
            gmtls_sm4_gcm_ctx c;
            gmtls_sm4_gcm_init(&c, key);
            r = gmtls_sm4_gcm_seal(&c, iv, nl, aad, al, buf, ml, stag, tl);
            gmtls_sm4_gcm_clear(&c);
        }
        CHECK_OK(r);
        CHECK_MEM(buf, ct, ml);
        CHECK_MEM(stag, tag, tl);
    }
    free(buf);
out:
    free(key);
    free(iv);
    free(aad);
    free(msg);
    free(ct);
    free(tag);
    return accepted;
}

static int mac_case(const json_value *t, size_t tagbits, long tcid)
{
    size_t kl, ml, tl;
    uint8_t *key = test_unhex_alloc(json_get_str(t, "key"), &kl);
    uint8_t *msg = test_unhex_alloc(json_get_str(t, "msg"), &ml);
    uint8_t *tag = test_unhex_alloc(json_get_str(t, "tag"), &tl);
    int accepted = 0;
    if (!key || !msg || !tag) {
        fprintf(stderr, "  tcId %ld: malformed case\n", tcid);
        CHECK(0);
    } else {
        uint8_t mac[32];
        gmtls_hmac_sm3(key, kl, msg, ml, mac);
        accepted = tl == tagbits / 8 && tl <= 32 && gmtls_sm_ct_memeq(mac, tag, tl);
    }
    free(key);
    free(msg);
    free(tag);
    return accepted;
}

/* kind: 0 = GCM, 1 = CCM, 2 = HMAC. Returns the number of cases run. */
static int run_file(const char *rel, int kind)
{
    const char *path = test_vector_path(rel);
    json_value *root = json_parse_file(path);
    if (root == NULL) {
        fprintf(stderr, "cannot read or parse %s\n", path);
        CHECK(0);
        return 0;
    }
    const json_value *groups = json_get(root, "testGroups");
    const json_value *declared = json_get(root, "numberOfTests");
    int count = 0, valid = 0, invalid = 0;
    for (size_t g = 0; groups != NULL && g < groups->n; g++) {
        const json_value *grp = groups->items[g];
        const json_value *tests = json_get(grp, "tests");
        const json_value *tagsize = json_get(grp, "tagSize");
        for (size_t i = 0; tests != NULL && i < tests->n; i++) {
            const json_value *t = tests->items[i];
            const json_value *id = json_get(t, "tcId");
            const char *result = json_get_str(t, "result");
            long tcid = id ? (long)id->num : -1;
            int accepted = kind == 2 ? mac_case(t, tagsize ? (size_t)tagsize->num : 0, tcid)
                                     : aead_case(kind == 1, t, tcid);
            count++;
            if (result != NULL && strcmp(result, "valid") == 0) {
                valid++;
                if (!accepted) {
                    fprintf(stderr, "  %s tcId %ld: valid case rejected\n", rel, tcid);
                }
                CHECK(accepted);
            } else if (result != NULL && strcmp(result, "invalid") == 0) {
                invalid++;
                if (accepted) {
                    fprintf(stderr, "  %s tcId %ld: invalid case accepted\n", rel, tcid);
                }
                CHECK(!accepted);
            } else {
                CHECK(result != NULL && strcmp(result, "acceptable") == 0);
            }
        }
    }
    printf("  %s: %d cases (%d valid, %d invalid)\n", rel, count, valid, invalid);
    CHECK(count > 0);
    CHECK(declared != NULL && (int)declared->num == count);
    json_free(root);
    return count;
}

int main(void)
{
    SM_FOR_EACH_PATH(path) {
        printf("wycheproof_test: cpu path %s\n", path);
        cases_total += run_file("wycheproof/sm4_gcm_test.json", 0);
        cases_total += run_file("wycheproof/sm4_ccm_test.json", 1);
        cases_total += run_file("wycheproof/hmac_sm3_test.json", 2);
    }
    CHECK(cases_total > 0);
    return TEST_END("wycheproof_test");
}
