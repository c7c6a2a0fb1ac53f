//! Splitting a case line into tokens, each with its column.

use super::Pos;

/// One token of a line: a bare word or a quoted string (escapes already resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The token's text. For a quoted string, the bytes between the quotes with escapes resolved.
    pub text: Vec<u8>,
    /// Whether it was written in double quotes.
    pub quoted: bool,
    /// Where it starts.
    pub pos: Pos,
}

impl Token {
    /// The token as text (quoted strings with non-UTF-8 escapes shown lossily).
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }

    /// Whether the token is the bare word `w`.
    pub fn is(&self, w: &str) -> bool {
        !self.quoted && self.text == w.as_bytes()
    }
}

/// A lexing error: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// Where.
    pub pos: Pos,
    /// What was wrong.
    pub message: String,
}

/// Splits `line` (line number `line_no`) into tokens. `#` outside quotes starts a comment.
/// Quoted strings take the escapes `\\`, `\"`, `\n`, `\t`, `\0` and `\xHH`.
pub fn tokens(line: &str, line_no: u32) -> Result<Vec<Token>, LexError> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    // Columns count characters. The count so far is carried from one position to the next, so a
    // line is counted once however many tokens it has (a position before the last counts afresh).
    let mut counted = (0usize, 1u32);
    let mut col_of = |byte: usize| -> u32 {
        let (from, col) = if byte >= counted.0 { counted } else { (0, 1) };
        let more = line.get(from..byte).map_or(0, |s| s.chars().count());
        let c = col.saturating_add(u32::try_from(more).unwrap_or(u32::MAX));
        counted = (byte, c);
        c
    };
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' {
            break;
        }
        let pos = Pos {
            line: line_no,
            col: col_of(at),
        };
        if c == '"' {
            chars.next();
            let mut text = Vec::new();
            let mut closed = false;
            while let Some((at, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => {
                        let Some((_, e)) = chars.next() else {
                            return Err(LexError {
                                pos: Pos {
                                    line: line_no,
                                    col: col_of(at),
                                },
                                message: "a `\\` at the end of the line; expected an escape such as `\\n` \
                                          and the closing `\"`"
                                    .into(),
                            });
                        };
                        match e {
                            '\\' => text.push(b'\\'),
                            '"' => text.push(b'"'),
                            'n' => text.push(b'\n'),
                            't' => text.push(b'\t'),
                            '0' => text.push(0),
                            'x' => {
                                let hi = chars.next().and_then(|(_, h)| h.to_digit(16));
                                let lo = chars.next().and_then(|(_, l)| l.to_digit(16));
                                match (hi, lo) {
                                    (Some(h), Some(l)) => text.push((h * 16 + l) as u8),
                                    _ => {
                                        return Err(LexError {
                                            pos: Pos {
                                                line: line_no,
                                                col: col_of(at),
                                            },
                                            message:
                                                "`\\x` must be followed by two hex digits, as in `\\x07`"
                                                    .into(),
                                        });
                                    }
                                }
                            }
                            other => {
                                return Err(LexError {
                                    pos: Pos {
                                        line: line_no,
                                        col: col_of(at),
                                    },
                                    message: format!(
                                        "unknown escape `\\{other}`; expected one of `\\\\`, `\\\"`, `\\n`, \
                                         `\\t`, `\\0`, `\\xHH`"
                                    ),
                                });
                            }
                        }
                    }
                    c => {
                        let mut buf = [0u8; 4];
                        text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
            if !closed {
                return Err(LexError {
                    pos,
                    message: "this string has no closing `\"` on its line".into(),
                });
            }
            out.push(Token {
                text,
                quoted: true,
                pos,
            });
            continue;
        }
        let mut text = Vec::new();
        while let Some(&(_, c)) = chars.peek() {
            if c.is_whitespace() || c == '"' || c == '#' {
                break;
            }
            let mut buf = [0u8; 4];
            text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            chars.next();
        }
        out.push(Token {
            text,
            quoted: false,
            pos,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_strings_and_comments_split_with_their_columns() {
        let t = tokens(r#"  alloc s = str text="a\x07b" # comment"#, 3).unwrap();
        let texts: Vec<_> = t.iter().map(|t| t.text.clone()).collect();
        assert_eq!(
            texts,
            vec![
                b"alloc".to_vec(),
                b"s".to_vec(),
                b"=".to_vec(),
                b"str".to_vec(),
                b"text=".to_vec(),
                b"a\x07b".to_vec()
            ]
        );
        assert_eq!(t[0].pos, Pos { line: 3, col: 3 });
        assert!(t[5].quoted);
        assert_eq!(t[5].pos.col, 22);
    }

    #[test]
    fn columns_count_characters_on_a_line_of_a_million_tokens_read_once() {
        // 2 bytes and 1 character per `é`, then a space: 3 bytes and 2 columns per token.
        let line = "é ".repeat(1 << 20);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(tokens(&line, 1).map(|t| t.last().map(|t| t.pos)));
        });
        // Counted from the start of the line for each token, this takes hours.
        let last = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("tokens of a long line within 2 minutes");
        assert_eq!(
            last,
            Ok(Some(Pos {
                line: 1,
                col: (1 << 21) - 1
            }))
        );
    }

    #[test]
    fn an_unclosed_string_is_an_error_at_its_quote() {
        let e = tokens(r#"encode str "abc"#, 1).unwrap_err();
        assert_eq!(e.pos, Pos { line: 1, col: 12 });
    }
}
