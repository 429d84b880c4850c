/* The bare libpcap read loop: pcap_open_offline + pcap_next_ex over every packet, nothing else.
 * The floor any pcap-reading tool on this machine stands on; bench/run.sh compares fwsim with it.
 * Build: cc -O2 -o bench/out/pcaploop bench/pcaploop.c -lpcap  (or -l:libpcap.so.0.8) */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "pcaploop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcaploop: %s\n", pcap_geterr(p));
        return 3;
    }
    printf("%llu packets %llu bytes\n", packets, bytes);
    pcap_close(p);
    return 0;
}
