// Tokens of the wf language (SPEC §1.1). Comments go to hidden channels so the formatter and the
// doc-comment attacher can still see them; newlines are real tokens that the compiler's newline
// filter keeps or drops by the rules of §1.1 before the parser sees them.
lexer grammar WfLexer;

channels { COMMENTS, DOCS }

// The `}}` that ends an interpolation; RBRACE's action makes it (see closeBrace).
tokens { INTERP_CLOSE }

@lexer::members {
  // One entry per open `{{ ... }}` interpolation: how many `{` are open inside it, so that the
  // `}}` closing a nested record literal is not taken for the end of the interpolation.
  std::vector<int> interpolationBraces;

  // `10%` is a percentage unless an operand follows, in which case `%` is the remainder operator.
  bool percentEndsHere() {
    size_t i = 1;
    while (_input->LA(i) == ' ' || _input->LA(i) == '\t') ++i;
    const size_t c = _input->LA(i);
    const bool operand = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         c == '_' || c == '(' || c == '"' || c == '[';
    return !operand;
  }

  // A `}` inside an interpolation where no `{` of its own is open starts the `}}` that ends the
  // interpolation: the next `}` is taken into the token, which becomes INTERP_CLOSE, and the lexer
  // leaves the interpolation's mode. Any other `}` is a plain RBRACE. This is decided here rather
  // than by a semantic predicate on a `}}` rule because ANTLR 4.9's C++ lexer loses the DFA state
  // it builds while evaluating a predicate (368 bytes for every `}}` outside an interpolation).
  void closeBrace() {
    if (interpolationBraces.empty()) return;
    if (interpolationBraces.back() == 0 && _input->LA(1) == '}') {
      getInterpreter<antlr4::atn::LexerATNSimulator>()->consume(_input);
      setType(INTERP_CLOSE);
      interpolationBraces.pop_back();
      popMode();
      return;
    }
    --interpolationBraces.back();
  }
}

DOC_COMMENT   : '///' ~[\r\n]* -> channel(DOCS);
LINE_COMMENT  : '//' ~[\r\n]* -> channel(COMMENTS);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(COMMENTS);
NL            : '\r'? '\n';
WS            : [ \t\f]+ -> skip;

IMPORT   : 'import';
CONST    : 'const';
TYPE     : 'type';
FN       : 'fn';
LIBRARY  : 'library';
SCRIPT   : 'script';
WORKFLOW : 'workflow';
LET      : 'let';
VAR      : 'var';
IF       : 'if';
ELSE     : 'else';
FOR      : 'for';
IN       : 'in';
WHILE    : 'while';
BREAK    : 'break';
CONTINUE : 'continue';
RETURN   : 'return';
FAIL     : 'fail';
LOG      : 'log';
TRY      : 'try';
CATCH    : 'catch';
FINALLY  : 'finally';
STEP     : 'step';
RETRY    : 'retry';
EVERY    : 'every';
BACKOFF  : 'backoff';
TIMEOUT  : 'timeout';
RUN      : 'run';
COMMAND  : 'command';
ON       : 'on';
AS       : 'as';
PRIORITY : 'priority';
CANARY   : 'canary';
ALLOW_FAILURE : 'allow_failure';
APPROVE  : 'approve';
BY       : 'by';
QUORUM   : 'quorum';
SLEEP    : 'sleep';
UNTIL    : 'until';
CHECKOUT : 'checkout';
PAM      : 'pam';
REASON   : 'reason';
TTL      : 'ttl';
PARALLEL : 'parallel';
BRANCH   : 'branch';
LIMIT    : 'limit';
NOTIFY   : 'notify';
TO       : 'to';
WAIT     : 'wait';
EVENT    : 'event';
TRUE     : 'true';
FALSE    : 'false';
NONE     : 'none';
AND      : 'and';
OR       : 'or';
NOT      : 'not';

FLOAT    : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
PERCENT  : DIGITS ('.' DIGITS)? '%' { percentEndsHere() }?;
INT      : DIGITS;
// A number with a letter suffix: a duration (`30s`, `1h30m`) when the suffix is valid, otherwise
// reported as a bad literal (E0401) rather than split into a number and a name.
SUFFIXED : DIGITS [a-zA-Z_] [a-zA-Z0-9_]*;

RAW_ML_STRING : 'r"""' .*? '"""';
RAW_STRING    : 'r"' ~["\r\n]* '"';
ML_OPEN       : '"""' -> pushMode(ML_STRING);
STR_OPEN      : '"' -> pushMode(STRING);

ID : [A-Za-z_] [A-Za-z0-9_]*;

LBRACE   : '{' { if (!interpolationBraces.empty()) ++interpolationBraces.back(); };
RBRACE   : '}' { closeBrace(); };
LPAREN   : '(';
RPAREN   : ')';
LBRACK   : '[';
RBRACK   : ']';
COMMA    : ',';
COLON    : ':';
SEMI     : ';';
DOT      : '.';
ARROW    : '->';
EQ       : '==';
NE       : '!=';
LE       : '<=';
GE       : '>=';
LT       : '<';
GT       : '>';
ASSIGN   : '=';
PLUS     : '+';
MINUS    : '-';
STAR     : '*';
SLASH    : '/';
MOD      : '%';
QUESTION : '?';
AT       : '@';

// Anything else is one bad character; the parser reports it (E0001) and goes on.
BAD_CHAR : . ;

fragment DIGITS   : [0-9] ('_'? [0-9])*;
fragment EXPONENT : [eE] [+-]? [0-9]+;

mode STRING;
STR_CLOSE        : '"' -> popMode;
INTERP_OPEN      : '{{' { interpolationBraces.push_back(0); } -> pushMode(DEFAULT_MODE);
STR_ESCAPE       : '\\' ~[\r\n];
STR_TEXT         : ~["\\{\r\n]+ | '{';
// A newline before the closing quote: the string is unterminated; the parser reports it.
STR_UNTERMINATED : '\r'? '\n' -> popMode;

mode ML_STRING;
ML_CLOSE       : '"""' -> popMode;
ML_INTERP_OPEN : '{{' { interpolationBraces.push_back(0); } -> type(INTERP_OPEN), pushMode(DEFAULT_MODE);
ML_ESCAPE      : '\\' . -> type(STR_ESCAPE);
ML_TEXT        : (~["\\{]+ | '{' | '"') -> type(STR_TEXT);
