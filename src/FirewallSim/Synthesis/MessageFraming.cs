using System.Buffers.Binary;
using System.Text;

namespace FirewallSim.Synthesis;

/// <summary>How the application bytes of a TCP flow are framed, so that dissectors see plausible messages.</summary>
internal enum MessageFormat : byte
{
    /// <summary>TLS 1.2 application-data records of at most 16,384 bytes.</summary>
    Tls,

    /// <summary>HTTP/1.1 GET requests and 200 responses with a Content-Length.</summary>
    HttpGet,

    /// <summary>HTTP/1.1 POST requests with a body and 200 responses.</summary>
    HttpPost,

    /// <summary>PostgreSQL: a simple-query message ('Q') and a data-row message ('D').</summary>
    Postgres,
}

/// <summary>
/// Writes the protocol headers of a message over the random bytes of its segments. A message is
/// sent as a run of segments; each segment knows only its offset in the message, so every header
/// is written as the part of it that falls inside the segment.
/// </summary>
internal static class MessageFraming
{
    public const int TlsRecordHeader = 5;
    public const int TlsMaxRecord = TlsRecordHeader + 16_384;

    private const int ContentLengthDigits = 10;
    private const int PostgresDataRowHeader = 11;

    private static readonly byte[] HttpGetRequest = Encoding.ASCII.GetBytes(
        "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (fwsim synthetic)\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");

    private static readonly byte[] HttpPostRequest = Encoding.ASCII.GetBytes(
        "POST /api/v1/orders HTTP/1.1\r\nHost: app.internal:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: 0000000000\r\n\r\n");

    private static readonly byte[] HttpResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 0000000000\r\n\r\n");

    private static readonly int PostLengthAt = IndexOfDigits(HttpPostRequest);
    private static readonly int ResponseLengthAt = IndexOfDigits(HttpResponse);

    /// <summary>The shortest message of a format and direction.</summary>
    public static int MinimumLength(MessageFormat format, bool request) => format switch
    {
        MessageFormat.Tls => TlsRecordHeader + 1,
        MessageFormat.HttpGet => request ? HttpGetRequest.Length : HttpResponse.Length,
        MessageFormat.HttpPost => request ? HttpPostRequest.Length : HttpResponse.Length,
        _ => PostgresDataRowHeader + 1,
    };

    /// <summary>A GET request has exactly one length; other messages any length from the minimum up.</summary>
    public static bool FixedRequestLength(MessageFormat format, out int length)
    {
        length = HttpGetRequest.Length;
        return format == MessageFormat.HttpGet;
    }

    /// <summary>
    /// Adjusts a planned length so that the framing works out: TLS never ends with a record too
    /// short for its header (the length only ever shrinks, so a segment budget still holds).
    /// </summary>
    public static uint Normalize(MessageFormat format, bool request, uint length)
    {
        length = Math.Max(length, (uint)MinimumLength(format, request));
        if (format == MessageFormat.Tls)
        {
            uint tail = length % TlsMaxRecord;
            if (tail is > 0 and <= TlsRecordHeader)
            {
                length -= tail;
            }
        }

        return length;
    }

    /// <summary>Writes the header bytes of message [0, <paramref name="length"/>) that fall in [<paramref name="offset"/>, offset + segment.Length).</summary>
    public static void Overlay(Span<byte> segment, MessageFormat format, bool request, uint offset, uint length)
    {
        switch (format)
        {
            case MessageFormat.Tls:
                OverlayTls(segment, offset, length);
                break;
            case MessageFormat.HttpGet when request:
                OverlayBytes(segment, offset, HttpGetRequest);
                break;
            case MessageFormat.HttpPost when request:
                OverlayHttp(segment, offset, length, HttpPostRequest, PostLengthAt);
                break;
            case MessageFormat.HttpGet or MessageFormat.HttpPost:
                OverlayHttp(segment, offset, length, HttpResponse, ResponseLengthAt);
                break;
            case MessageFormat.Postgres:
                if (offset < PostgresDataRowHeader)
                {
                    // Query: 'Q', length, query string. Data row: 'D', length, one column, its length.
                    Span<byte> h = stackalloc byte[PostgresDataRowHeader];
                    h[0] = request ? (byte)'Q' : (byte)'D';
                    BinaryPrimitives.WriteUInt32BigEndian(h.Slice(1), length - 1);
                    BinaryPrimitives.WriteUInt16BigEndian(h.Slice(5), 1);
                    BinaryPrimitives.WriteUInt32BigEndian(h.Slice(7), length - PostgresDataRowHeader);
                    OverlayBytes(segment, offset, request ? h.Slice(0, 5) : h);
                }

                if (request && offset + (uint)segment.Length == length)
                {
                    segment[^1] = 0; // the query string's terminator
                }

                break;
        }
    }

    private static void OverlayTls(Span<byte> segment, uint offset, uint length)
    {
        // Records start every TlsMaxRecord bytes; visit those whose header overlaps the segment.
        uint end = offset + (uint)segment.Length;
        uint first = offset < TlsRecordHeader ? 0 : (offset - TlsRecordHeader + 1 + TlsMaxRecord - 1) / TlsMaxRecord * TlsMaxRecord;
        Span<byte> h = stackalloc byte[TlsRecordHeader];
        for (uint start = first; start < end && start < length; start += TlsMaxRecord)
        {
            if (start + TlsRecordHeader <= offset)
            {
                continue;
            }

            uint body = Math.Min(length - start, (uint)TlsMaxRecord) - TlsRecordHeader;
            h[0] = 0x17; // application data
            h[1] = 0x03;
            h[2] = 0x03; // TLS 1.2 record version, as TLS 1.3 also writes
            BinaryPrimitives.WriteUInt16BigEndian(h.Slice(3), (ushort)body);
            OverlayAt(segment, offset, start, h);
        }
    }

    private static void OverlayHttp(Span<byte> segment, uint offset, uint length, byte[] template, int digitsAt)
    {
        if (offset >= template.Length)
        {
            return;
        }

        Span<byte> header = stackalloc byte[template.Length];
        template.CopyTo(header);
        uint body = length - (uint)template.Length;
        for (int i = ContentLengthDigits - 1; i >= 0; i--)
        {
            header[digitsAt + i] = (byte)('0' + (body % 10));
            body /= 10;
        }

        OverlayBytes(segment, offset, header);
    }

    private static void OverlayBytes(Span<byte> segment, uint offset, ReadOnlySpan<byte> header) => OverlayAt(segment, offset, 0, header);

    /// <summary>Copies the part of <paramref name="bytes"/>, placed at message offset <paramref name="at"/>, that lies inside the segment.</summary>
    private static void OverlayAt(Span<byte> segment, uint segmentOffset, uint at, ReadOnlySpan<byte> bytes)
    {
        long from = Math.Max(at, segmentOffset);
        long to = Math.Min(at + (long)bytes.Length, segmentOffset + (long)segment.Length);
        if (from < to)
        {
            bytes.Slice((int)(from - at), (int)(to - from)).CopyTo(segment.Slice((int)(from - segmentOffset)));
        }
    }

    private static int IndexOfDigits(byte[] template)
    {
        int at = template.AsSpan().IndexOf("Content-Length: "u8);
        return at + "Content-Length: ".Length;
    }
}
