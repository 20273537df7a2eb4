import MeshProtocol
import NIOCore
import Testing

@Suite("Control line reader")
struct ControlLineReaderTests {
    let reader = ControlLineReader()

    @Test("splits on newline, one line at a time")
    func lines() {
        var b = ByteBuffer(string: "status\nping foo\n\nconnect a b\n")
        #expect(reader.nextLine(from: &b) == .line("status"))
        #expect(reader.nextLine(from: &b) == .line("ping foo"))
        #expect(reader.nextLine(from: &b) == .line(""))
        #expect(reader.nextLine(from: &b) == .line("connect a b"))
        #expect(reader.nextLine(from: &b) == .needMoreData)
        #expect(b.readableBytes == 0)
    }

    @Test("carriage returns are dropped wherever they are")
    func carriageReturns() {
        var b = ByteBuffer(string: "\rst\ra\r\rtus\r\n\r\n\r")
        #expect(reader.nextLine(from: &b) == .line("status"))
        #expect(reader.nextLine(from: &b) == .line(""))
        #expect(reader.nextLine(from: &b) == .needMoreData)
        #expect(reader.finalLine(from: &b) == "")
    }

    @Test("bytes after the line stay in the buffer, untouched")
    func payloadStays() {
        let payload: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0x0D]
        var b = ByteBuffer(string: "work submit node echo\r\n")
        b.writeBytes(payload)
        #expect(reader.nextLine(from: &b) == .line("work submit node echo"))
        #expect(b.bytes == payload)
    }

    @Test("an incomplete line is left in the buffer until its newline arrives")
    func dripFeed() {
        let text = Array("ping node-b\n".utf8)
        var b = ByteBuffer()
        for (i, byte) in text.enumerated() {
            b.writeInteger(byte)
            let result = reader.nextLine(from: &b)
            if i == text.count - 1 {
                #expect(result == .line("ping node-b"))
                #expect(b.readableBytes == 0)
            } else {
                #expect(result == .needMoreData)
                #expect(b.readableBytes == i + 1)
            }
        }
    }

    @Test("lines longer than the maximum are refused, with or without their newline")
    func tooLong() {
        let small = ControlLineReader(maximumLineLength: 4)
        var ok = ByteBuffer(string: "abcd\n")
        #expect(small.nextLine(from: &ok) == .line("abcd"))
        var partialOK = ByteBuffer(string: "abcd")
        #expect(small.nextLine(from: &partialOK) == .needMoreData)
        var long = ByteBuffer(string: "abcde\n")
        #expect(small.nextLine(from: &long) == .lineTooLong)
        var partialLong = ByteBuffer(string: "abcde")
        #expect(small.nextLine(from: &partialLong) == .lineTooLong)
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() {
        #expect(ControlLineReader().maximumLineLength == 1 << 20)
        var b = ByteBuffer(repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
        #expect(reader.nextLine(from: &b) == .lineTooLong)
    }

    @Test("a final line without newline is returned at EOF")
    func finalLine() {
        var b = ByteBuffer(string: "status\r")
        #expect(reader.nextLine(from: &b) == .needMoreData)
        #expect(reader.finalLine(from: &b) == "status")
        #expect(b.readableBytes == 0)
        #expect(reader.finalLine(from: &b) == nil)
    }

    @Test("invalid UTF-8 is repaired, not fatal")
    func invalidUTF8() {
        var b = ByteBuffer(bytes: [0x61, 0xFF, 0x62, 0x0A])
        #expect(reader.nextLine(from: &b) == .line("a\u{FFFD}b"))
    }
}
