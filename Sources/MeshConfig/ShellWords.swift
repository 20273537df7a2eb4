/// Splits a command's parameter string into arguments the way receptor does (Go's `github.com/google/shlex`).
///
/// Rules:
/// - Words are separated by runs of space, tab, CR and LF.
/// - `'…'` is literal up to the next `'`.
/// - `"…"` runs to the next unescaped `"`; inside it a backslash makes the next character literal and is
///   dropped (so `\"`, `\\`, `\$`, `` \` `` and a backslash-newline keep just the second character; unlike a
///   POSIX shell this applies to every character: `"a\b"` is `ab`).
/// - Outside quotes a backslash makes the next character literal (`e\ f` is one word, `e f`).
/// - Quotes may be joined to other text in one word (`a"b c"d` is `ab cd`); `''` and `""` make an empty word.
/// - `#` at the start of a word starts a comment up to the end of the line; elsewhere it is an ordinary
///   character (`a#b` is one word).
/// - No other shell syntax exists: `$X`, `;`, `|`, `*` and the like are ordinary characters.
public enum ShellWords {
    /// An unterminated quote or a trailing backslash; the description is Go shlex's message.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    private enum State {
        case start
        case inWord
        case escaping
        case escapingQuoted
        case doubleQuoted
        case singleQuoted
        case comment
    }

    /// Splits `s` into words.
    /// - Parameter s: A parameter string, e.g. `-c "read X; echo $X"`.
    /// - Returns: The words, e.g. `["-c", "read X; echo $X"]`.
    /// - Throws: ``SyntaxError`` for an unterminated quote (`EOF found when expecting closing quote`)
    ///   or a trailing backslash (`EOF found after escape character`).
    public static func split(_ s: String) throws(SyntaxError) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var state = State.start

        for scalar in s.unicodeScalars {
            let isSpace = scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
            switch state {
            case .start:
                switch scalar {
                case _ where isSpace: break
                case "\"": state = .doubleQuoted
                case "'": state = .singleQuoted
                case "\\": state = .escaping
                case "#": state = .comment
                default:
                    word.append(scalar)
                    state = .inWord
                }
            case .inWord:
                switch scalar {
                case _ where isSpace:
                    words.append(String(word))
                    word = String.UnicodeScalarView()
                    state = .start
                case "\"": state = .doubleQuoted
                case "'": state = .singleQuoted
                case "\\": state = .escaping
                default: word.append(scalar)
                }
            case .escaping:
                word.append(scalar)
                state = .inWord
            case .escapingQuoted:
                word.append(scalar)
                state = .doubleQuoted
            case .doubleQuoted:
                switch scalar {
                case "\"": state = .inWord
                case "\\": state = .escapingQuoted
                default: word.append(scalar)
                }
            case .singleQuoted:
                if scalar == "'" {
                    state = .inWord
                } else {
                    word.append(scalar)
                }
            case .comment:
                if scalar == "\n" { state = .start }
            }
        }

        switch state {
        case .start, .comment:
            break
        case .inWord:
            words.append(String(word))
        case .escaping, .escapingQuoted:
            throw SyntaxError(description: "EOF found after escape character")
        case .doubleQuoted, .singleQuoted:
            throw SyntaxError(description: "EOF found when expecting closing quote")
        }
        return words
    }
}
