// Syntax of the wf language (SPEC §1.2–§1.6). The parser sees the token stream after the newline
// filter, so `sep` tokens appear only where a statement or declaration may end.
parser grammar WfParser;

options { tokenVocab = WfLexer; }

module       : sep* (topDecl (sep+ topDecl)*)? sep* EOF ;
sep          : NL | SEMI ;

topDecl      : (annotation NL*)* decl ;
annotation   : AT label (LPAREN (annotationArg (COMMA annotationArg)* COMMA?)? RPAREN)? ;
annotationArg: (label COLON)? expr ;

decl         : importDecl | constDecl | typeDecl | fnDecl | libraryDecl | scriptDecl | workflowDecl ;
importDecl   : IMPORT stringLit ;
constDecl    : CONST ID (COLON typeExpr)? ASSIGN expr ;
typeDecl     : TYPE ID ASSIGN typeExpr ;
fnDecl       : FN ID paramList (ARROW typeExpr)? block ;
libraryDecl  : LIBRARY ID settings ;
scriptDecl   : SCRIPT ID paramList? settings ;
workflowDecl : WORKFLOW ID paramList (ARROW typeExpr)? block ;
paramList    : LPAREN (param (COMMA param)* COMMA?)? RPAREN ;
param        : ident COLON typeExpr (ASSIGN expr)? ;
settings     : LBRACE sep* (setting sep*)* RBRACE ;
setting      : label ASSIGN expr ;

typeExpr     : typeAtom QUESTION? ;
typeAtom     : ID (LT typeExpr (COMMA typeExpr)* GT)?                    # namedType
             | LBRACE (fieldType (COMMA fieldType)* COMMA?)? RBRACE      # recordType
             ;
fieldType    : label COLON typeExpr ;

block        : LBRACE sep* (stmt (sep+ stmt)*)? sep* RBRACE ;

stmt         : (LET | VAR) ident (COLON typeExpr)? ASSIGN expr              # letStmt
             | ident ASSIGN expr                                         # assignStmt
             | IF expr block (ELSE (ifElse | block))?                    # ifStmt
             | FOR ident IN expr block                                   # forStmt
             | WHILE expr block                                          # whileStmt
             | BREAK                                                     # breakStmt
             | CONTINUE                                                  # continueStmt
             | RETURN expr?                                              # returnStmt
             | FAIL expr                                                 # failStmt
             | LOG expr                                                  # logStmt
             | TRY block (CATCH ident? block)? (FINALLY block)?          # tryStmt
             | STEP expr stepPolicy* block                               # stepStmt
             | SLEEP UNTIL? expr                                         # sleepStmt
             | CHECKOUT ident ASSIGN PAM expr checkoutClause* block      # checkoutStmt
             | PARALLEL LBRACE sep* (branch sep*)* RBRACE                # parallelStmt
             | PARALLEL FOR ident IN expr (LIMIT expr)? block            # parallelForStmt
             | NOTIFY expr TO expr                                       # notifyStmt
             | expr                                                      # exprStmt
             ;
ifElse       : IF expr block (ELSE (ifElse | block))? ;
stepPolicy   : RETRY expr (EVERY expr)? (BACKOFF expr)?                  # stepRetry
             | TIMEOUT expr                                              # stepTimeout
             ;
checkoutClause : REASON expr                                             # checkoutReason
               | TTL expr                                                # checkoutTtl
               ;
branch       : BRANCH expr block ;

expr         : primary                                                   # primaryExpr
             | expr DOT label                                            # fieldExpr
             | expr LBRACK expr RBRACK                                   # indexExpr
             | expr LPAREN args? RPAREN                                  # callExpr
             | MINUS expr                                                # negExpr
             | expr op=(STAR | SLASH | MOD) expr                         # binaryExpr
             | expr op=(PLUS | MINUS) expr                               # binaryExpr
             | expr op=(EQ | NE | LT | LE | GT | GE) expr                # binaryExpr
             | NOT expr                                                  # notExpr
             | expr op=AND expr                                          # binaryExpr
             | expr op=OR expr                                           # binaryExpr
             ;

primary      : INT                                                       # intLit
             | FLOAT                                                     # floatLit
             | SUFFIXED                                                  # durationLit
             | PERCENT                                                   # percentLit
             | (TRUE | FALSE)                                            # boolLit
             | NONE                                                      # noneLit
             | stringLit                                                 # stringExpr
             // The effects come before names: where `approve (x)` could be either, it is the effect.
             | RUN jobSpec runClause*                                    # runExpr
             | APPROVE expr approveClause*                               # approveExpr
             | WAIT EVENT expr (TIMEOUT expr)?                           # waitExpr
             | ident                                                     # nameExpr
             | LPAREN expr RPAREN                                        # parenExpr
             | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                # listLit
             | LBRACE (entry (COMMA entry)* COMMA?)? RBRACE              # recordLit
             ;
entry        : (label | stringLit) COLON expr ;
args         : arg (COMMA arg)* COMMA? ;
arg          : (ident COLON)? expr ;

jobSpec      : SCRIPT ID (LPAREN args? RPAREN)?                          # scriptJob
             | COMMAND expr                                              # commandJob
             | ID expr                                                   # kindJob
             ;
runClause    : ON expr                                                   # runOn
             | TIMEOUT expr                                              # runTimeout
             | RETRY expr (EVERY expr)? (BACKOFF expr)?                  # runRetry
             | AS expr                                                   # runAs
             | PRIORITY ID                                               # runPriority
             | CANARY                                                    # runCanary
             | ALLOW_FAILURE                                             # runAllowFailure
             ;
approveClause: BY expr                                                   # approveBy
             | QUORUM ID                                                 # approveQuorum
             | TIMEOUT expr                                              # approveTimeout
             ;

stringLit    : STR_OPEN strPart* (STR_CLOSE | STR_UNTERMINATED)          # plainString
             | ML_OPEN strPart* ML_CLOSE                                 # multiLineString
             | RAW_STRING                                                # rawString
             | RAW_ML_STRING                                             # rawMultiLineString
             ;
strPart      : STR_TEXT                                                  # textPart
             | STR_ESCAPE                                                # escapePart
             | INTERP_OPEN expr INTERP_CLOSE                             # interpPart
             ;

// Words that are keywords only where a clause expects them, and otherwise names: `reason`
// (SPEC §1.2 uses it as a parameter), `ttl`, `limit`, `event`, `command`, `branch`; and the
// effect words, which start an effect only where one can start (`let wait = 5m` is a name, and
// `sleep wait` sleeps that long). Where both readings fit, the effect or clause wins.
ident        : ID | REASON | TTL | LIMIT | EVENT | COMMAND | BRANCH
             | RUN | APPROVE | WAIT | SLEEP | CHECKOUT | PARALLEL | NOTIFY ;

// Field names, annotation names and setting keys may be keywords (`e.step`, `@timeout`).
label        : ID | IMPORT | CONST | TYPE | FN | LIBRARY | SCRIPT | WORKFLOW | LET | VAR | IF | ELSE
             | FOR | IN | WHILE | BREAK | CONTINUE | RETURN | FAIL | LOG | TRY | CATCH | FINALLY
             | STEP | RETRY | EVERY | BACKOFF | TIMEOUT | RUN | COMMAND | ON | AS | PRIORITY | CANARY
             | ALLOW_FAILURE | APPROVE | BY | QUORUM | SLEEP | UNTIL | CHECKOUT | PAM | REASON | TTL
             | PARALLEL | BRANCH | LIMIT | NOTIFY | TO | WAIT | EVENT | TRUE | FALSE | NONE | AND
             | OR | NOT ;
