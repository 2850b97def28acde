/*
 * test_tcpx.c - the TCP model (models/tcp.c) against ns-3's own TCP over
 * the same point-to-point link and queue: NewReno and CUBIC, 1, 2 and 8
 * flows (the comparisons themselves are in test_tcp.c, next to the
 * harness they share). About 2 min of CPU, most of it CUBIC's 2 and 8
 * flows run over 16 start spacings on each side: a slow suite, left out of
 * `make test-quick` and of the sanitizer build (ns-3's TCP is not
 * usnsim's code; the binding's checks stay in suite tcp).
 */
#include <CUnit/CUnit.h>

void tcpx_newreno(void);
void tcpx_newreno_acks(void);
void tcpx_cubic(void);

int suite_tcpx(void)
{
	CU_pSuite s = CU_add_suite("tcpx", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "NewReno against ns-3's TcpNewReno",
			 tcpx_newreno) ||
	    !CU_add_test(s, "NewReno (acks) against TcpNewReno, replicated",
			 tcpx_newreno_acks) ||
	    !CU_add_test(s, "CUBIC against ns-3's TcpCubic", tcpx_cubic))
		return CU_get_error();
	return 0;
}
