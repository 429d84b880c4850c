using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.Reports.Suggest;

/// <summary>
/// A busier VPC than the bundled sample, for the suggestion tests: two web servers and two app servers
/// sharing groups, a database, a monitoring host and a bastion; twenty internet clients (aggregation),
/// IPv6, untracked flows, a UDP flow whose server speaks again after its entry idled out (only the
/// verification replay can find that), ICMP echo and errors, GRE, neighbouring ports, a capture that
/// starts mid-connection, and rejected scans.
/// </summary>
public static class VarietyScenario
{
    public const string Web1 = "10.0.1.10";
    public const string Web1V6 = "2600:1f18:1234:5601::10";
    public const string Web2 = "10.0.1.11";
    public const string Bastion = "10.0.1.5";
    public const string App1 = "10.0.2.20";
    public const string App2 = "10.0.2.21";
    public const string Db = "10.0.2.30";
    public const string Mon = "10.0.2.40";
    public const string Admin = "203.0.113.10";
    public const string Partner = "203.0.113.50";
    public const string Router = "192.0.2.1";
    public const string Scanner = "45.33.32.156";
    public const string MediaClient = "198.51.100.200";
    public const string Client6 = "2a00:1450:4001:81c::77";

    public static IEnumerable<string> Clients => Enumerable.Range(1, 20).Select(i => $"198.51.100.{i}");

    public static AwsConfig Config() =>
        new TestVpc()
            .Subnet("subnet-pub", "10.0.1.0/24", "2600:1f18:1234:5601::/64")
            .Subnet("subnet-prv", "10.0.2.0/24")
            .Eni("eni-web1", "subnet-pub", [Web1], ["sg-web"], ipv6: Web1V6, ct: new ConnectionTrackingSettings(null, 30, 60))
            .Eni("eni-web2", "subnet-pub", [Web2], ["sg-web"])
            .Eni("eni-bastion", "subnet-pub", [Bastion], ["sg-bastion"])
            .Eni("eni-app1", "subnet-prv", [App1], ["sg-app"])
            .Eni("eni-app2", "subnet-prv", [App2], ["sg-app"])
            .Eni("eni-db", "subnet-prv", [Db], ["sg-db"])
            .Eni("eni-mon", "subnet-prv", [Mon], ["sg-mon"])
            .Group("sg-web",
                "in tcp 443 0.0.0.0/0", "in tcp 443 ::/0", "in tcp 80 0.0.0.0/0", "in udp 0-65535 0.0.0.0/0",
                "in icmp -1/-1 0.0.0.0/0", "in tcp 22 10.0.0.0/16",
                "out all 0.0.0.0/0", "out all ::/0")
            .Group("sg-app", "in tcp 8000-8999 10.0.1.0/24", "in tcp 0-65535 10.0.0.0/16", "out all 0.0.0.0/0")
            .Group("sg-db", "in tcp 5432-5440 sg-app", "in tcp 6379 sg-app")
            .Group("sg-mon", "out all 0.0.0.0/0")
            .Group("sg-bastion", "in tcp 22 0.0.0.0/0", "out tcp 22 10.0.0.0/16")
            .Group("sg-unused", "in tcp 3389 0.0.0.0/0")
            .Build();

    public static string Capture(TrafficScript s)
    {
        // Twenty clients over HTTPS to web1: untracked (443 from 0.0.0.0/0, all out to 0.0.0.0/0).
        int i = 0;
        foreach (string c in Clients)
        {
            s.Session(1 + (i * 0.2), c, (ushort)(41000 + i), Web1, 443);
            i++;
        }

        s.Session(6, Client6, 40002, Web1V6, 443);

        // A media client over UDP: untracked (udp 0-65535 in, all out). Web1 speaks again 50 s later, after
        // the 30 s UDP timeout: a new flow in A (its open egress rule admits it), a packet the narrowed
        // groups refuse unless a rule allows it — found only by the verification replay.
        s.Udp(8, MediaClient, 5000, Web1, 3478).Udp(8.01, Web1, 3478, MediaClient, 5000);
        s.Udp(58, Web1, 3478, MediaClient, 5000);

        // Web servers call the app servers on 8080 and 8081 (tracked; peers are sg-web members).
        s.Session(10, Web1, 45000, App1, 8080).Session(10.5, Web2, 45001, App2, 8081).Session(11, Web1, 45002, App2, 8080);

        // Monitoring scrapes the apps on 9100 and pings the web servers; a router sends fragmentation-needed.
        s.Session(12, Mon, 46000, App1, 9100).Session(12.5, Mon, 46001, App2, 9100);
        s.Echo(13, Mon, Web1, 0x77).Echo(13.01, Web1, Mon, 0x77, reply: true);
        s.IcmpError(14, Router, Web1, 3, 4);

        // Apps use the database on two neighbouring ports, DNS on the internet and GRE to a partner.
        s.Session(15, App1, 47000, Db, 5432).Session(15.5, App2, 47001, Db, 5433);
        s.Udp(16, App1, 47500, "8.8.8.8", 53).Udp(16.02, "8.8.8.8", 53, App1, 47500);
        s.Other(17, App1, Partner, IpProtocol.Gre).Other(17.05, Partner, App1, IpProtocol.Gre);

        // The admin uses the bastion and hops to web2.
        s.Session(20, Admin, 51000, Bastion, 22).Session(21, Bastion, 52000, Web2, 22);

        // The capture starts in the middle of a connection web2 serves: its first packet is web2's data.
        s.Tcp(0.5, Web2, 443, "198.51.100.99", 40999, (byte)(Psh | Ack), 700).Tcp(0.51, "198.51.100.99", 40999, Web2, 443, Ack);

        // Rejected: a scan of SSH on web1 and of RDP on app1 from the internet.
        s.Tcp(30, Scanner, 61000, Web1, 22, Syn).Tcp(31, Scanner, 61001, App1, 3389, Syn);
        return s.Write("variety.pcap");
    }
}
