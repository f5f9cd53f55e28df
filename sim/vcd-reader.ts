// Reads a VCD file (from Icarus, Verilator, GTKWave's tools or our own
// writer) with a chevrotain lexer and parser.
//
// Grammar, after whitespace is dropped:
//   file        := (declaration | bodyItem)*
//   declaration := ($comment | $date | $version | $timescale | $scope | $upscope
//                   | $var | $enddefinitions) word* $end
//   bodyItem    := timestamp | change | $dumpvars | $dumpall | $dumpon | $dumpoff | $end
//   change      := scalar (`1!`) | vector id (`b1010 !`) | real id (`r1.5 !`)
// The parser accepts declarations after $enddefinitions too, since $comment
// may appear anywhere.
// An identifier code may be any printable text, including `#` or `$`, so the
// lexer switches modes. After `$var` and the other declaration keywords it
// reads plain words up to `$end`. After a vector or real value it reads
// exactly one identifier code.
// NOTE: the whole file is tokenized in memory; very long runs are better
// compared through a compact per-cycle log.

import { readFileSync } from 'node:fs';
import { createToken, EmbeddedActionsParser, Lexer, type IOrAlt, type IToken, type TokenType } from 'chevrotain';
import { extendVcdBits, VcdData, type VcdScope, type VcdTimescale, type VcdTrace, type VcdVariable } from './vcd-data.ts';

export class VcdParseError extends Error {
  constructor(source: string, line: number | undefined, column: number | undefined, detail: string) {
    super(`${source}:${line ?? '?'}:${column ?? '?'}: invalid VCD: ${detail}`);
    this.name = 'VcdParseError';
  }
}

// Tokens of the body mode, which is also where a file starts.
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
const Comment = createToken({ name: 'Comment', pattern: /\$comment/, push_mode: 'words' });
const DateCommand = createToken({ name: 'DateCommand', pattern: /\$date/, push_mode: 'words' });
const Version = createToken({ name: 'Version', pattern: /\$version/, push_mode: 'words' });
const Timescale = createToken({ name: 'Timescale', pattern: /\$timescale/, push_mode: 'words' });
const Scope = createToken({ name: 'Scope', pattern: /\$scope/, push_mode: 'words' });
const Upscope = createToken({ name: 'Upscope', pattern: /\$upscope/, push_mode: 'words' });
const Var = createToken({ name: 'Var', pattern: /\$var/, push_mode: 'words' });
const EndDefinitions = createToken({ name: 'EndDefinitions', pattern: /\$enddefinitions/, push_mode: 'words' });
const DumpCommand = createToken({ name: 'DumpCommand', pattern: /\$dump(?:vars|all|on|off)/ });
const SectionEnd = createToken({ name: 'SectionEnd', pattern: /\$end/ });
const Timestamp = createToken({ name: 'Timestamp', pattern: /#\d+/ });
const ScalarChange = createToken({ name: 'ScalarChange', pattern: /[01xXzZ][!-~]+/ });
const VectorValue = createToken({ name: 'VectorValue', pattern: /[bB][01xXzZ]+/, push_mode: 'identifier' });
const RealValue = createToken({ name: 'RealValue', pattern: /[rR][!-~]+/, push_mode: 'identifier' });

// Tokens of the declaration mode: words up to `$end`.
const CommandEnd = createToken({ name: 'CommandEnd', pattern: /\$end(?![!-~])/, pop_mode: true });
const Word = createToken({ name: 'Word', pattern: /[!-~]+/ });

// The identifier code after a vector or real value.
const IdCode = createToken({ name: 'IdCode', pattern: /[!-~]+/, pop_mode: true });

const BODY_TOKENS: TokenType[] = [
  WhiteSpace, Comment, DateCommand, Version, Timescale, Scope, Upscope, Var, EndDefinitions, DumpCommand, SectionEnd,
  Timestamp, ScalarChange, VectorValue, RealValue,
];

const vcdLexer = new Lexer(
  {
    defaultMode: 'body',
    modes: {
      body: BODY_TOKENS,
      words: [WhiteSpace, CommandEnd, Word],
      identifier: [WhiteSpace, IdCode],
    },
  },
  { positionTracking: 'full', ensureOptimizations: true },
);

const ALL_TOKENS = [...BODY_TOKENS, CommandEnd, Word, IdCode];

/** The parse result before it is indexed into a VcdData. */
interface VcdContents {
  variables: VcdVariable[];
  scopes: VcdScope[];
  traces: Map<string, VcdTrace>;
  timescale: VcdTimescale | undefined;
  endTime: bigint;
  comments: string[];
}

class VcdParser extends EmbeddedActionsParser {
  private contents!: VcdContents;
  private scopePath: string[] = [];
  private sizes = new Map<string, number>();
  private time = 0n;

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  override reset(): void {
    super.reset();
    this.contents = { variables: [], scopes: [], traces: new Map(), timescale: undefined, endTime: 0n, comments: [] };
    this.scopePath = [];
    this.sizes = new Map();
    this.time = 0n;
  }

  result(): VcdContents {
    return this.contents;
  }

  // The alternatives are built once, not on every item. Under tsx each new
  // arrow function is also renamed with Object.defineProperty, which made
  // parsing about twice as slow.
  private itemAlternatives: IOrAlt<unknown>[] | undefined;

  readonly file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR((this.itemAlternatives ??= [
        { ALT: () => this.SUBRULE(this.declaration) },
        { ALT: () => this.timestamp(this.CONSUME(Timestamp)) },
        { ALT: () => this.scalarChange(this.CONSUME(ScalarChange)) },
        {
          ALT: () => {
            const value = this.CONSUME(VectorValue);
            const id = this.CONSUME(IdCode);
            this.ACTION(() => this.change(id, id.image, extendVcdBits(value.image.slice(1), this.sizeOf(id, id.image))));
          },
        },
        {
          ALT: () => {
            const value = this.CONSUME(RealValue);
            const id = this.CONSUME2(IdCode);
            this.ACTION(() => this.change(id, id.image, value.image.slice(1)));
          },
        },
        // $dumpvars, $dumpon and the like only group the changes up to their $end.
        { ALT: () => this.CONSUME(DumpCommand) },
        { ALT: () => this.CONSUME(SectionEnd) },
      ]));
    });
  });

  private declarationAlternatives: IOrAlt<IToken>[] | undefined;

  private readonly declaration = this.RULE('declaration', () => {
    const keyword = this.OR((this.declarationAlternatives ??= [
      { ALT: () => this.CONSUME(Comment) },
      { ALT: () => this.CONSUME(DateCommand) },
      { ALT: () => this.CONSUME(Version) },
      { ALT: () => this.CONSUME(Timescale) },
      { ALT: () => this.CONSUME(Scope) },
      { ALT: () => this.CONSUME(Upscope) },
      { ALT: () => this.CONSUME(Var) },
      { ALT: () => this.CONSUME(EndDefinitions) },
    ]));
    const words = this.SUBRULE(this.words);
    this.ACTION(() => this.declare(keyword, words));
  });

  private readonly words = this.RULE('words', () => {
    const words: string[] = [];
    this.MANY(() => {
      words.push(this.CONSUME(Word).image);
    });
    this.CONSUME(CommandEnd);
    return words;
  });

  private declare(keyword: IToken, words: string[]): void {
    switch (keyword.tokenType) {
      case Comment:
      case DateCommand:
      case Version:
        this.contents.comments.push(words.join(' '));
        return;
      case Timescale:
        this.contents.timescale = parseTimescale(keyword, words.join(''));
        return;
      case Scope: {
        if (words.length !== 2) {
          throw atToken(keyword, `$scope needs a kind and a name, got '${words.join(' ')}'`);
        }
        this.scopePath.push(words[1]);
        this.contents.scopes.push({ kind: words[0], path: [...this.scopePath] });
        return;
      }
      case Upscope:
        if (this.scopePath.length === 0) {
          throw atToken(keyword, '$upscope without an open $scope');
        }
        this.scopePath.pop();
        return;
      case Var:
        this.declareVariable(keyword, words);
        return;
      case EndDefinitions:
        return;
    }
  }

  private declareVariable(keyword: IToken, words: string[]): void {
    if (words.length < 4) {
      throw atToken(keyword, `$var needs a type, a size, an identifier code and a name, got '${words.join(' ')}'`);
    }
    const [type, sizeText, id, ...referenceWords] = words;
    const size = Number(sizeText);
    if (!Number.isSafeInteger(size) || size < 1) {
      throw atToken(keyword, `$var size '${sizeText}' is not a positive integer`);
    }

    // The range may be a separate word (`data [7:0]`) or attached (`data[7:0]`).
    let reference = referenceWords.join('');
    let range: VcdVariable['range'];
    const match = /^(.*?)\[(-?\d+)(?::(-?\d+))?\]$/.exec(reference);
    if (match && match[1] !== '' && (referenceWords.length > 1 || match[3] !== undefined)) {
      reference = match[1];
      const msb = Number(match[2]);
      range = { msb, lsb: match[3] === undefined ? msb : Number(match[3]) };
    }

    const scope = [...this.scopePath];
    this.contents.variables.push({ type, size, id, reference, range, scope, name: [...scope, reference].join('.') });
    this.sizes.set(id, size);
  }

  private timestamp(token: IToken): void {
    this.ACTION(() => {
      const time = BigInt(token.image.slice(1));
      if (time < this.time) {
        throw atToken(token, `time ${time} is earlier than the previous time ${this.time}`);
      }
      this.time = time;
      this.contents.endTime = time;
    });
  }

  private scalarChange(token: IToken): void {
    this.ACTION(() => {
      const id = token.image.slice(1);
      this.change(token, id, extendVcdBits(token.image[0], this.sizeOf(token, id)));
    });
  }

  /** Returns the declared size of identifier code `id`; `token` places the error. */
  private sizeOf(token: IToken, id: string): number {
    const size = this.sizes.get(id);
    if (size === undefined) {
      throw atToken(token, `value change for undeclared identifier code '${id}'`);
    }
    return size;
  }

  private change(token: IToken, id: string, value: string): void {
    this.sizeOf(token, id);
    let trace = this.contents.traces.get(id);
    if (trace === undefined) {
      trace = { times: [], values: [] };
      this.contents.traces.set(id, trace);
    }

    // A later change at the same time replaces the earlier one.
    const last = trace.times.length - 1;
    if (last >= 0 && trace.times[last] === this.time) {
      trace.values[last] = value;
    } else {
      trace.times.push(this.time);
      trace.values.push(value);
    }
  }
}

const parser = new VcdParser();

/** Parses VCD text; `source` names the file in error messages. */
export function parseVcd(text: string, source = '<vcd>'): VcdData {
  const lexed = vcdLexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const error = lexed.errors[0];
    throw new VcdParseError(source, error.line, error.column, error.message);
  }

  parser.input = lexed.tokens;
  let contents: VcdContents;
  try {
    parser.file();
    contents = parser.result();
  } catch (error) {
    if (error instanceof TokenError) {
      throw new VcdParseError(source, error.token.startLine, error.token.startColumn, error.message);
    }
    throw error;
  }
  if (parser.errors.length > 0) {
    const error = parser.errors[0];
    throw new VcdParseError(source, error.token.startLine, error.token.startColumn, error.message);
  }

  const { variables, scopes, traces, timescale, endTime, comments } = contents;
  return new VcdData(variables, scopes, traces, timescale, endTime, comments);
}

export function readVcd(path: string): VcdData {
  return parseVcd(readFileSync(path, 'utf8'), path);
}

class TokenError extends Error {
  constructor(readonly token: IToken, message: string) {
    super(message);
  }
}

function atToken(token: IToken, message: string): TokenError {
  return new TokenError(token, message);
}

function parseTimescale(token: IToken, text: string): VcdTimescale {
  const match = /^(1|10|100)(s|ms|us|ns|ps|fs)$/.exec(text);
  if (match === null) {
    throw atToken(token, `timescale '${text}' is not 1, 10 or 100 followed by s, ms, us, ns, ps or fs`);
  }
  return { magnitude: Number(match[1]), unit: match[2] };
}
