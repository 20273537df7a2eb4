import Testing

@testable import MeshConfig

@Suite struct ShellWordsTests {
    static let cases: [(String, [String])] = [
        ("", []),
        ("   \t\n ", []),
        ("worker --worker-info", ["worker", "--worker-info"]),
        ("-c \"read X; echo $X\"", ["-c", "read X; echo $X"]),
        ("'a b' \"c d\" e\\ f", ["a b", "c d", "e f"]),
        ("  leading and   trailing  ", ["leading", "and", "trailing"]),
        ("tabs\tand\nnewlines\r\nsplit", ["tabs", "and", "newlines", "split"]),
        ("'single \"keeps\" \\ all'", ["single \"keeps\" \\ all"]),
        ("\"double \\\"escaped\\\" quote\"", ["double \"escaped\" quote"]),
        ("\"back\\\\slash\"", ["back\\slash"]),
        ("\"dollar \\$HOME and \\`tick\\`\"", ["dollar $HOME and `tick`"]),
        ("\"line\\\ncontinued\"", ["line\ncontinued"]),
        ("\"any \\q char\"", ["any q char"]),
        ("a\"b c\"d", ["ab cd"]),
        ("pre'quoted 'post", ["prequoted post"]),
        ("'' \"\" x", ["", "", "x"]),
        ("\\'", ["'"]),
        ("\\\"x", ["\"x"]),
        ("a\\\\b", ["a\\b"]),
        ("one # comment", ["one"]),
        ("# whole line\nnext", ["next"]),
        ("one#two", ["one#two"]),
        ("one #two three\nfour", ["one", "four"]),
        ("\"#not\" '#comment'", ["#not", "#comment"]),
        ("\\#escaped", ["#escaped"]),
        ("one two \"three four\" \"five \\\"six\\\"\" seven#eight # nine # ten\n eleven 'twelve\\'",
         ["one", "two", "three four", "five \"six\"", "seven#eight", "eleven", "twelve\\"]),
        ("$(rm -rf /) ; | & > < * ?", ["$(rm", "-rf", "/)", ";", "|", "&", ">", "<", "*", "?"]),
        ("caf\u{e9} \"\u{1F600} x\"", ["caf\u{e9}", "\u{1F600} x"]),
        ("--param=\"a=b c\"", ["--param=a=b c"]),
    ]

    @Test(arguments: cases)
    func splitsLikeGoogleShlex(_ input: String, _ expected: [String]) throws {
        #expect(try ShellWords.split(input) == expected)
    }

    @Test(arguments: ["'open", "\"open", "a 'b c", "\"a\\\"", "x \"y' z"])
    func unterminatedQuotesAreErrors(_ input: String) {
        #expect(throws: ShellWords.SyntaxError(description: "EOF found when expecting closing quote")) {
            try ShellWords.split(input)
        }
    }

    @Test(arguments: ["trailing\\", "\\", "\"in quotes\\"])
    func trailingBackslashIsAnError(_ input: String) {
        #expect(throws: ShellWords.SyntaxError(description: "EOF found after escape character")) {
            try ShellWords.split(input)
        }
    }

    @Test func errorsAreSyntaxErrors() {
        #expect(throws: ShellWords.SyntaxError(description: "EOF found when expecting closing quote")) {
            try ShellWords.split("'")
        }
    }
}
