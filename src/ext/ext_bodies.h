/* src/ext/ext_bodies.h - the parsers (gmtls_xp_*) and writers (gmtls_xw_*)
 * of the extension bodies (ext_bodies.c), named <extension>_<message>; only
 * the table (ext_table.c) refers to them. */
#ifndef GMTLS_EXT_BODIES_H
#define GMTLS_EXT_BODIES_H

#include "ext/ext.h"

gmtls_ext_parse_fn gmtls_xp_sni_ch;
gmtls_ext_parse_fn gmtls_xp_sni_ee;
gmtls_ext_write_fn gmtls_xw_sni_ch;
gmtls_ext_write_fn gmtls_xw_sni_ee;
gmtls_ext_parse_fn gmtls_xp_status_ch;
gmtls_ext_parse_fn gmtls_xp_status_ct;
gmtls_ext_write_fn gmtls_xw_status_ch;
gmtls_ext_write_fn gmtls_xw_status_ct;
gmtls_ext_parse_fn gmtls_xp_groups_ch;
gmtls_ext_parse_fn gmtls_xp_groups_ee;
gmtls_ext_write_fn gmtls_xw_groups_ch;
gmtls_ext_parse_fn gmtls_xp_sigalgs_ch;
gmtls_ext_parse_fn gmtls_xp_sigalgs_cert_ch;
gmtls_ext_parse_fn gmtls_xp_sigalgs_cr;
gmtls_ext_write_fn gmtls_xw_sigalgs_ch;
gmtls_ext_write_fn gmtls_xw_sigalgs_cr;
gmtls_ext_parse_fn gmtls_xp_alpn_ch;
gmtls_ext_parse_fn gmtls_xp_alpn_ee;
gmtls_ext_write_fn gmtls_xw_alpn_ch;
gmtls_ext_write_fn gmtls_xw_alpn_ee;
gmtls_ext_parse_fn gmtls_xp_sct_ch;
gmtls_ext_parse_fn gmtls_xp_sct_ct;
gmtls_ext_write_fn gmtls_xw_sct_ch;
gmtls_ext_write_fn gmtls_xw_sct_ct;
gmtls_ext_parse_fn gmtls_xp_psk_ch;
gmtls_ext_parse_fn gmtls_xp_psk_sh;
gmtls_ext_write_fn gmtls_xw_psk_ch;
gmtls_ext_write_fn gmtls_xw_psk_sh;
gmtls_ext_parse_fn gmtls_xp_early_ch;
gmtls_ext_write_fn gmtls_xw_early_ee;
gmtls_ext_write_fn gmtls_xw_early_ch;
gmtls_ext_parse_fn gmtls_xp_early_ee;
gmtls_ext_parse_fn gmtls_xp_early_nst;
gmtls_ext_write_fn gmtls_xw_early_nst;
gmtls_ext_parse_fn gmtls_xp_versions_ch;
gmtls_ext_parse_fn gmtls_xp_versions_sh;
gmtls_ext_parse_fn gmtls_xp_versions_hrr;
gmtls_ext_write_fn gmtls_xw_versions_ch;
gmtls_ext_write_fn gmtls_xw_versions_sh;
gmtls_ext_parse_fn gmtls_xp_cookie_ch;
gmtls_ext_parse_fn gmtls_xp_cookie_hrr;
gmtls_ext_write_fn gmtls_xw_cookie;
gmtls_ext_parse_fn gmtls_xp_psk_modes_ch;
gmtls_ext_write_fn gmtls_xw_psk_modes_ch;
gmtls_ext_parse_fn gmtls_xp_pha_ch;
gmtls_ext_write_fn gmtls_xw_pha_ch;
gmtls_ext_write_fn gmtls_xw_cas_cr;
gmtls_ext_parse_fn gmtls_xp_key_share_ch;
gmtls_ext_parse_fn gmtls_xp_key_share_sh;
gmtls_ext_parse_fn gmtls_xp_key_share_hrr;
gmtls_ext_write_fn gmtls_xw_key_share_ch;
gmtls_ext_write_fn gmtls_xw_key_share_sh;
gmtls_ext_write_fn gmtls_xw_key_share_hrr;
gmtls_ext_parse_fn gmtls_xp_reneg_ch;
/* TLS 1.2 signals of a ClientHello that offers 1.2 (nothing otherwise) */
gmtls_ext_write_fn gmtls_xw_reneg_ch;
gmtls_ext_write_fn gmtls_xw_ems_ch;
gmtls_ext_write_fn gmtls_xw_ec_formats_ch;
gmtls_ext_write_fn gmtls_xw_session_ticket_ch;
gmtls_ext_parse_fn gmtls_xp_certcomp_ch;
gmtls_ext_parse_fn gmtls_xp_certcomp_cr;
gmtls_ext_write_fn gmtls_xw_certcomp_ch;
gmtls_ext_write_fn gmtls_xw_certcomp_cr;
gmtls_ext_parse_fn gmtls_xp_rsl_ch;
gmtls_ext_parse_fn gmtls_xp_rsl_ee;
gmtls_ext_write_fn gmtls_xw_rsl_ch;
gmtls_ext_write_fn gmtls_xw_rsl_ee;

#endif
