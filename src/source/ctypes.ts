import type { Tok } from './lex.js';

/**
 * C types as the extractor needs them: enough to answer `sizeof`, array
 * lengths and member lookups for the x86_64 LP64 ABI. Array lengths taken
 * from source stay as tokens until asked for (they are macro-expanded in the
 * translation unit that asks).
 */
export type CType =
  | { k: 'int'; size: number; signed: boolean }
  | { k: 'float'; size: number }
  | { k: 'void' }
  | { k: 'ptr'; to: CType }
  | { k: 'array'; of: CType; n: number | null | Tok[] }
  | { k: 'record'; tag: string | null; union: boolean; def: RecordDef | null }
  | { k: 'enum' }
  | { k: 'fn' }
  /** A typedef name, resolved when needed. */
  | { k: 'named'; name: string };

export interface Member {
  /** null: an anonymous struct/union whose members are the parent's. */
  name: string | null;
  type: CType;
  /** Bit-field width. */
  bits?: Tok[];
}

export interface RecordDef {
  tag: string | null;
  union: boolean;
  members: Member[];
  file: string;
  line: number;
  packed: boolean;
}

export const INT = (size: number, signed = true): CType => ({ k: 'int', size, signed });

/** Types that come from system headers (libc, glib), which the extractor does not read. */
export const SYSTEM_TYPES: Record<string, CType> = {
  int8_t: INT(1), int16_t: INT(2), int32_t: INT(4), int64_t: INT(8),
  uint8_t: INT(1, false), uint16_t: INT(2, false), uint32_t: INT(4, false), uint64_t: INT(8, false),
  size_t: INT(8, false), ssize_t: INT(8), uintptr_t: INT(8, false), intptr_t: INT(8), ptrdiff_t: INT(8),
  off_t: INT(8), time_t: INT(8), pid_t: INT(4), uid_t: INT(4), gid_t: INT(4), mode_t: INT(4), socklen_t: INT(4),
  __int128: INT(16), __int128_t: INT(16), __uint128_t: INT(16, false), bool: INT(1, false), _Bool: INT(1, false),
  gboolean: INT(4), gint: INT(4), guint: INT(4, false), gchar: INT(1), guchar: INT(1, false), gshort: INT(2),
  gushort: INT(2, false), glong: INT(8), gulong: INT(8, false), gsize: INT(8, false), gssize: INT(8),
  gint8: INT(1), guint8: INT(1, false), gint16: INT(2), guint16: INT(2, false), gint32: INT(4), guint32: INT(4, false),
  gint64: INT(8), guint64: INT(8, false), gfloat: { k: 'float', size: 4 }, gdouble: { k: 'float', size: 8 },
  gpointer: { k: 'ptr', to: { k: 'void' } }, gconstpointer: { k: 'ptr', to: { k: 'void' } }, gunichar: INT(4, false),
  __u8: INT(1, false), __u16: INT(2, false), __u32: INT(4, false), __u64: INT(8, false),
  __s8: INT(1), __s16: INT(2), __s32: INT(4), __s64: INT(8), __le16: INT(2, false), __le32: INT(4, false),
  __le64: INT(8, false), __be16: INT(2, false), __be32: INT(4, false), __be64: INT(8, false),
  u8: INT(1, false), u16: INT(2, false), u32: INT(4, false), u64: INT(8, false),
  va_list: { k: 'array', of: INT(24), n: 1 },
  pthread_t: INT(8, false),
  pthread_mutex_t: opaque(40, 8), pthread_cond_t: opaque(48, 8), pthread_rwlock_t: opaque(56, 8), sem_t: opaque(32, 8),
  pthread_attr_t: opaque(56, 8), sigjmp_buf: opaque(200, 8), jmp_buf: opaque(200, 8), sigset_t: opaque(128, 8),
  GSList: opaque(16, 8), GList: opaque(24, 8), GQueue: opaque(24, 8), GString: opaque(24, 8), GArray: opaque(16, 8),
  GPtrArray: opaque(16, 8), GByteArray: opaque(16, 8), GMutex: opaque(16, 8), GCond: opaque(16, 8),
  GHashTableIter: opaque(40, 8),
  struct_iovec: opaque(16, 8), struct_timeval: opaque(16, 8), struct_timespec: opaque(16, 8),
};

function opaque(size: number, align: number): CType {
  const members: Member[] = [{ name: '__opaque', type: { k: 'array', of: INT(align), n: size / align } }];
  return { k: 'record', tag: null, union: false, def: { tag: null, union: false, members, file: '<system>', line: 0, packed: false } };
}

/** Base type from a list of C keywords (`unsigned long int`), or null. */
export function keywordType(words: string[]): CType | null {
  const has = (w: string) => words.includes(w);
  const longs = words.filter((w) => w === 'long').length;
  if (has('void')) return { k: 'void' };
  if (has('_Bool') || has('bool')) return INT(1, false);
  if (has('float')) return { k: 'float', size: 4 };
  if (has('double')) return { k: 'float', size: longs ? 16 : 8 };
  if (has('__int128')) return INT(16, !has('unsigned'));
  const signed = !has('unsigned');
  if (has('char')) return INT(1, signed);
  if (has('short')) return INT(2, signed);
  if (longs) return INT(8, signed);
  if (has('int') || has('signed') || has('unsigned')) return INT(4, signed);
  return null;
}

export const TYPE_KEYWORDS = new Set([
  'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '_Bool', 'bool', '__int128',
  'struct', 'union', 'enum', 'const', 'volatile', 'typeof', '__typeof__', '__typeof', 'restrict', '__restrict',
]);
