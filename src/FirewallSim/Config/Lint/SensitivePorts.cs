using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config.Lint;

public enum ExposureCategory : byte
{
    /// <summary>Remote shells and desktops: SSH, RDP.</summary>
    RemoteAccess,

    /// <summary>Database and data-store ports.</summary>
    Database,

    /// <summary>Administration, orchestration and file-sharing ports that must never face the internet.</summary>
    Admin,
}

/// <summary>A service on a well-known port that should not be reachable from 0.0.0.0/0 or ::/0.</summary>
public sealed record SensitiveService(string Name, int Protocol, int FromPort, int ToPort, ExposureCategory Category)
{
    public string PortText => FromPort == ToPort
        ? string.Create(CultureInfo.InvariantCulture, $"{IpProtocol.Name(Protocol)} {FromPort}")
        : string.Create(CultureInfo.InvariantCulture, $"{IpProtocol.Name(Protocol)} {FromPort}-{ToPort}");

    public override string ToString() => $"{Name} ({PortText})";
}

/// <summary>
/// The ports FWS001–FWS003 look for. The list follows the usual cloud-security baselines (CIS AWS
/// Foundations 5.2/5.3, AWS Security Hub EC2.13/EC2.14/EC2.19 "high-risk ports") plus common data
/// stores and cluster-management endpoints.
/// </summary>
public static class SensitivePorts
{
    private const int Tcp = IpProtocol.Tcp;
    private const int Udp = IpProtocol.Udp;

    public static IReadOnlyList<SensitiveService> All { get; } = new SensitiveService[]
    {
        // Remote access
        new("SSH", Tcp, 22, 22, ExposureCategory.RemoteAccess),
        new("RDP", Tcp, 3389, 3389, ExposureCategory.RemoteAccess),
        new("RDP", Udp, 3389, 3389, ExposureCategory.RemoteAccess),

        // Databases and data stores
        new("MS SQL Server", Tcp, 1433, 1433, ExposureCategory.Database),
        new("MS SQL Browser", Udp, 1434, 1434, ExposureCategory.Database),
        new("Oracle", Tcp, 1521, 1521, ExposureCategory.Database),
        new("Oracle", Tcp, 2483, 2484, ExposureCategory.Database),
        new("MySQL/MariaDB/Aurora", Tcp, 3306, 3306, ExposureCategory.Database),
        new("PostgreSQL", Tcp, 5432, 5432, ExposureCategory.Database),
        new("CouchDB", Tcp, 5984, 5984, ExposureCategory.Database),
        new("Redis", Tcp, 6379, 6379, ExposureCategory.Database),
        new("Cassandra", Tcp, 7000, 7001, ExposureCategory.Database),
        new("Cassandra JMX", Tcp, 7199, 7199, ExposureCategory.Database),
        new("Neo4j", Tcp, 7474, 7474, ExposureCategory.Database),
        new("InfluxDB", Tcp, 8086, 8086, ExposureCategory.Database),
        new("ClickHouse", Tcp, 8123, 8123, ExposureCategory.Database),
        new("Cassandra CQL", Tcp, 9042, 9042, ExposureCategory.Database),
        new("Cassandra Thrift", Tcp, 9160, 9160, ExposureCategory.Database),
        new("Elasticsearch/OpenSearch", Tcp, 9200, 9200, ExposureCategory.Database),
        new("Elasticsearch transport", Tcp, 9300, 9300, ExposureCategory.Database),
        new("Memcached", Tcp, 11211, 11211, ExposureCategory.Database),
        new("Memcached", Udp, 11211, 11211, ExposureCategory.Database),
        new("CockroachDB", Tcp, 26257, 26257, ExposureCategory.Database),
        new("MongoDB", Tcp, 27017, 27019, ExposureCategory.Database),
        new("DB2", Tcp, 50000, 50000, ExposureCategory.Database),

        // Administration, orchestration, file sharing
        new("FTP", Tcp, 20, 21, ExposureCategory.Admin),
        new("Telnet", Tcp, 23, 23, ExposureCategory.Admin),
        new("MS RPC", Tcp, 135, 135, ExposureCategory.Admin),
        new("NetBIOS", Udp, 137, 138, ExposureCategory.Admin),
        new("NetBIOS", Tcp, 139, 139, ExposureCategory.Admin),
        new("SNMP", Udp, 161, 162, ExposureCategory.Admin),
        new("SMB", Tcp, 445, 445, ExposureCategory.Admin),
        new("Docker API", Tcp, 2375, 2376, ExposureCategory.Admin),
        new("etcd", Tcp, 2379, 2380, ExposureCategory.Admin),
        new("Kibana", Tcp, 5601, 5601, ExposureCategory.Admin),
        new("VNC", Tcp, 5900, 5903, ExposureCategory.Admin),
        new("WinRM", Tcp, 5985, 5986, ExposureCategory.Admin),
        new("Kubernetes API", Tcp, 6443, 6443, ExposureCategory.Admin),
        new("Consul", Tcp, 8500, 8500, ExposureCategory.Admin),
        new("Prometheus", Tcp, 9090, 9090, ExposureCategory.Admin),
        new("kubelet", Tcp, 10250, 10250, ExposureCategory.Admin),
        new("kubelet read-only", Tcp, 10255, 10255, ExposureCategory.Admin),
    };
}
