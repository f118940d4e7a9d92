/**
 * Every mistake of setting up the plugin, a model, a form or a resource: thrown when it is
 * defined or registered (never for a request), each with a stable `code` a program may test
 * and a message that says the fix. Declared here, once; the README lists each code.
 */

/** An error of how something was set up: an `Error` (or `TypeError`) with a stable `code`. */
export interface SetupError extends Error {
  readonly code: string
}

type SetupErrorClass<TArgs extends unknown[]> = new (...args: TArgs) => SetupError

function createError<TArgs extends unknown[]> (code: string, message: (...args: TArgs) => string, Base: ErrorConstructor = Error): SetupErrorClass<TArgs> {
  return class extends Base {
    readonly code = code
    constructor (...args: TArgs) {
      super(message(...args))
    }
  }
}

const q = (name: string): string => `"${name}"`
/** A list of names, as given (a message made with other arguments still says something). */
const names = (list: unknown): readonly string[] => Array.isArray(list) ? list.map(String) : [String(list)]

/** The setup errors by code; each key equals its error's `code`. */
export const codes = {
  FFR_ERR_NO_DB: createError('FFR_ERR_NO_DB', () =>
    'fastify-form-resources: the `db` option is required: app.register(formResources, { db: drizzle(...), resources: [...] }).'),
  FFR_ERR_DB_NOT_DRIZZLE: createError('FFR_ERR_DB_NOT_DRIZZLE', () =>
    'fastify-form-resources: `db` must be a Drizzle database, such as drizzle(new Database(file)) from drizzle-orm/better-sqlite3 or drizzle(pool) from drizzle-orm/node-postgres.', TypeError),
  FFR_ERR_DB_UNSUPPORTED: createError('FFR_ERR_DB_UNSUPPORTED', () =>
    'fastify-form-resources: `db` is not a Drizzle database this plugin supports (SQLite through better-sqlite3, PostgreSQL through node-postgres or PGlite).', TypeError),
  FFR_ERR_DB_TIMEOUT: createError('FFR_ERR_DB_TIMEOUT', (defaultMs: number) =>
    `fastify-form-resources: \`dbTimeout\` must be a whole number of milliseconds from 1 to 2147483647 (the default is ${defaultMs}).`),
  FFR_ERR_ETAG_SECRET: createError('FFR_ERR_ETAG_SECRET', () =>
    'fastify-form-resources: `etagSecret` must be a string or Buffer of at least 32 bytes, the same on every instance (such as 32 random bytes in base64 from your configuration).'),
  FFR_ERR_RESOURCES_NOT_LIST: createError('FFR_ERR_RESOURCES_NOT_LIST', () =>
    'fastify-form-resources: the `resources` option must be a list of FormResource instances.'),
  FFR_ERR_NOT_A_RESOURCE: createError('FFR_ERR_NOT_A_RESOURCE', () =>
    'fastify-form-resources: every entry of `resources` must be a FormResource (a subclass instance or defineResource(...)).'),
  FFR_ERR_RESOURCE_NO_NAME: createError('FFR_ERR_RESOURCE_NO_NAME', () =>
    'fastify-form-resources: a resource has no `name`; set name = \'author\' on it.'),
  FFR_ERR_RESOURCE_NO_TABLE: createError('FFR_ERR_RESOURCE_NO_TABLE', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} has no \`table\`; set it to the Drizzle table it serves.`),
  FFR_ERR_RESOURCE_NO_FORM: createError('FFR_ERR_RESOURCE_NO_FORM', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} has no \`formClass\`; make one with modelForm(table, { fields: [...] }).`),
  FFR_ERR_RESOURCE_FORM_TABLE: createError('FFR_ERR_RESOURCE_FORM_TABLE', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} has a formClass over another table; make its form with modelForm() over the resource \`table\`.`),
  FFR_ERR_RESOURCE_URL_TAKEN: createError('FFR_ERR_RESOURCE_URL_TAKEN', (url: string) =>
    `fastify-form-resources: two resources are served at "${url}/"; give one another \`uriName\`.`),
  FFR_ERR_RESOURCE_NAME_TAKEN: createError('FFR_ERR_RESOURCE_NAME_TAKEN', (resource: string) =>
    `fastify-form-resources: two resources are named ${q(resource)}; give one another \`name\`.`),
  FFR_ERR_RESOURCE_OTHER_DB: createError('FFR_ERR_RESOURCE_OTHER_DB', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} is already served from another app's database; make a new resource for each app.`),
  FFR_ERR_RESOURCE_NO_DB: createError('FFR_ERR_RESOURCE_NO_DB', (resource: string) =>
    `Resource ${q(resource)} has no database: register it with the plugin or pass { db } to its constructor.`),
  FFR_ERR_UNKNOWN_RESOURCE: createError('FFR_ERR_UNKNOWN_RESOURCE', (resource: string) =>
    `fastify-form-resources: no resource named ${q(resource)}.`),
  FFR_ERR_VERSION_COLUMN: createError('FFR_ERR_VERSION_COLUMN', (resource: string, column: string) =>
    `fastify-form-resources: resource ${q(resource)} names versionColumn ${q(column)}, which is not a column of its table.`),
  FFR_ERR_VERSION_IN_FORM: createError('FFR_ERR_VERSION_IN_FORM', (resource: string, column: string) =>
    `fastify-form-resources: resource ${q(resource)}: the version column ${q(column)} must not be a form field; leave it out of \`fields\` or describe it \`editable: false\`.`),
  FFR_ERR_DEFINE_RESOURCE: createError('FFR_ERR_DEFINE_RESOURCE', (key: string) =>
    `defineResource: \`${key}\` is required.`),
  FFR_ERR_FORM_NO_FIELDS: createError('FFR_ERR_FORM_NO_FIELDS', (table: string) =>
    `modelForm(${table}): name the form's columns with \`fields: [...]\`, \`fields: '__all__'\` or \`exclude: [...]\`.`),
  FFR_ERR_FORM_FIELDS_TYPE: createError('FFR_ERR_FORM_FIELDS_TYPE', (table: string) =>
    `modelForm(${table}): \`fields\` must be a list of column keys or '__all__'.`),
  FFR_ERR_UNKNOWN_FIELD: createError('FFR_ERR_UNKNOWN_FIELD', (where: string, key: string, option: string, known: readonly string[]) =>
    `${where}: unknown field ${q(key)} in \`${option}\`; ${closest(key, known)}`),
  FFR_ERR_FIELD_NOT_EDITABLE: createError('FFR_ERR_FIELD_NOT_EDITABLE', (table: string, key: string) =>
    `modelForm(${table}): ${q(key)} cannot be in \`fields\`: the database fills it in or it is described \`editable: false\`.`),
  FFR_ERR_FORM_DIRECT: createError('FFR_ERR_FORM_DIRECT', () =>
    'ModelForm is made with modelForm(table, options), not directly.'),
  FFR_ERR_FORM_NO_DB: createError('FFR_ERR_FORM_NO_DB', () =>
    'This form needs `db` to check uniqueness and to save: new Form({ db, data }).'),
  FFR_ERR_FORM_INVALID_SAVE: createError('FFR_ERR_FORM_INVALID_SAVE', (model: string, created: boolean) =>
    `The ${model} could not be ${created ? 'created' : 'changed'} because the data didn't validate.`),
  FFR_ERR_NOT_A_TABLE: createError('FFR_ERR_NOT_A_TABLE', () =>
    'defineModel(table, options) needs a Drizzle table (sqliteTable or pgTable) as its first argument.', TypeError),
  FFR_ERR_TABLE_DIALECT: createError('FFR_ERR_TABLE_DIALECT', (table: string) =>
    `fastify-form-resources: ${q(table)} is not a table of a supported dialect (sqliteTable or pgTable).`, TypeError),
  FFR_ERR_TABLE_PRIMARY_KEY: createError('FFR_ERR_TABLE_PRIMARY_KEY', (table: string) =>
    `fastify-form-resources: table ${q(table)} needs a single-column primary key.`),
  FFR_ERR_COLUMN_NO_FIELD: createError('FFR_ERR_COLUMN_NO_FIELD', (column: string, type: string) =>
    `fastify-form-resources: no form field for column ${q(column)} of type ${type}; give one in the form's \`declared\` or in defineModel's \`formField\`, or leave the column out.`),
  FFR_ERR_UPLOAD_TO: createError('FFR_ERR_UPLOAD_TO', (uploadTo: string, reason: string) =>
    `fields.file/fields.image: uploadTo ${q(uploadTo)} is refused: ${reason}.`),
  FFR_ERR_FILE_COLUMN: createError('FFR_ERR_FILE_COLUMN', (table: string, key: string, type: string) =>
    `modelForm(${table}): the file field ${q(key)} needs a text column to store the file's key in; its column is ${type}.`),
  FFR_ERR_STORAGE: createError('FFR_ERR_STORAGE', () =>
    'fastify-form-resources: `storage` must be a FileStorage (put, delete, exists, url), such as localStorage({ root: \'./uploads\' }) or s3Storage({ bucket, region }).', TypeError),
  FFR_ERR_STORAGE_URL_TAKEN: createError('FFR_ERR_STORAGE_URL_TAKEN', (url: string) =>
    `fastify-form-resources: another local storage folder is already served at "${url}"; give this one another urlPrefix, or serveFiles: false.`),
  FFR_ERR_MULTIPART_LIMIT: createError('FFR_ERR_MULTIPART_LIMIT', (name: string) =>
    `fastify-form-resources: multipart.${name} must be a positive whole number (bytes or a count), such as multipart: { fileSize: 10485760 }.`, TypeError),
  FFR_ERR_AUTHENTICATE: createError('FFR_ERR_AUTHENTICATE', () =>
    'fastify-form-resources: `authenticate` must be the 401\'s WWW-Authenticate value (a string such as \'Bearer realm="api"\') or false for none.', TypeError),
  FFR_ERR_SUCCESS_URL: createError('FFR_ERR_SUCCESS_URL', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} has a \`successUrl\` that is neither a string (such as '/authors/{id}/') nor a function of the saved row.`, TypeError),
  FFR_ERR_LIST_FIELD: createError('FFR_ERR_LIST_FIELD', (resource: string, option: string, name: string, known: readonly string[]) =>
    `fastify-form-resources: resource ${q(resource)} lists ${q(name)} in \`${option}\`, which is no column of its table; use one of: ${names(known).join(', ')}.`),
  FFR_ERR_SEARCH_FIELD: createError('FFR_ERR_SEARCH_FIELD', (resource: string, name: string) =>
    `fastify-form-resources: resource ${q(resource)} lists ${q(name)} in \`searchFields\`, which is not a text column; search only text columns, and filter the others with \`filterFields\`.`),
  FFR_ERR_M2M_NAME_TAKEN: createError('FFR_ERR_M2M_NAME_TAKEN', (table: string, name: string) =>
    `defineModel(${table}): the many-to-many field ${q(name)} has the name of a column; give the relation another name.`),
  FFR_ERR_M2M_THROUGH: createError('FFR_ERR_M2M_THROUGH', (where: string) =>
    `${where}: \`through\` must be the Drizzle junction table: { through: postTags, source: postTags.postId, target: postTags.tagId }.`),
  FFR_ERR_M2M_COLUMN: createError('FFR_ERR_M2M_COLUMN', (where: string, role: string, junction: string) =>
    `${where}: \`${role}\` must be a column of the junction table ${q(junction)}, such as ${junction}.${role === 'source' ? 'postId' : 'tagId'}.`),
  FFR_ERR_M2M_TARGET_REFERENCE: createError('FFR_ERR_M2M_TARGET_REFERENCE', (where: string, target: string) =>
    `${where}: the target column ${q(target)} must refer to the related table; declare it with .references(() => tags.id).`),
  FFR_ERR_M2M_THROUGH_UNIQUE: createError('FFR_ERR_M2M_THROUGH_UNIQUE', (where: string, junction: string, source: string, target: string) =>
    `${where}: the junction table ${q(junction)} needs a primary key or unique constraint over (${source}, ${target}), so that a pair is stored once: primaryKey({ columns: [t.${source}, t.${target}] }).`),
  FFR_ERR_M2M_THROUGH_COLUMNS: createError('FFR_ERR_M2M_THROUGH_COLUMNS', (where: string, junction: string, columns: readonly string[]) =>
    `${where}: the junction table ${q(junction)} has NOT NULL columns without defaults (${names(columns).join(', ')}); give them values with throughDefaults: { ${names(columns).map((c) => `${c}: ...`).join(', ')} }, or defaults in the table.`),
  FFR_ERR_M2M_NO_KEY: createError('FFR_ERR_M2M_NO_KEY', (model: string) =>
    `saveM2M(): the ${model} has no primary key yet; save the row returned by save({ commit: false }) first and set its key on it (or pass the saved row: saveM2M(row)).`),
  FFR_ERR_FORMSET_DIRECT: createError('FFR_ERR_FORMSET_DIRECT', () =>
    'ModelFormSet is made with modelFormSet(table, options) or inlineFormSet(parent, child, options), not directly.'),
  FFR_ERR_FORMSET_LIMIT: createError('FFR_ERR_FORMSET_LIMIT', (table: string, option: string) =>
    `formset(${table}): \`${option}\` must be a whole number, 0 or more.`),
  FFR_ERR_FORMSET_ABSOLUTE_MAX: createError('FFR_ERR_FORMSET_ABSOLUTE_MAX', (table: string, maxNum: number, absoluteMax: number) =>
    `formset(${table}): absoluteMax (${absoluteMax}) must be greater than or equal to maxNum (${maxNum}); raise absoluteMax or leave it out (maxNum + 1000).`),
  FFR_ERR_FORMSET_INVALID_SAVE: createError('FFR_ERR_FORMSET_INVALID_SAVE', (table: string) =>
    `The ${table} formset could not be saved because its data didn't validate; check isValid() first.`),
  FFR_ERR_INLINE_FK: createError('FFR_ERR_INLINE_FK', (child: string, parent: string, keys: readonly string[], given?: string) =>
    names(keys).length === 0
      ? `inlineFormSet(${parent}, ${child}): ${q(child)} has no single-column foreign key to ${q(parent)}; declare one with .references(() => ${parent}.id).`
      : given !== undefined
        ? `inlineFormSet(${parent}, ${child}): fk ${q(String(given))} is not a foreign key of ${q(child)} to ${q(parent)}; ${closest(String(given), names(keys))}`
        : `inlineFormSet(${parent}, ${child}): ${q(child)} has ${keys.length} foreign keys to ${q(parent)} (${names(keys).join(', ')}); name one with { fk: '${keys[0]}' }.`),
  FFR_ERR_INLINE_FK_IN_FORM: createError('FFR_ERR_INLINE_FK_IN_FORM', (child: string, fk: string) =>
    `inlineFormSet(..., ${child}): the form has a field ${q(fk)}, the key to the parent, which an inline formset sets itself; make the form without it (exclude: ['${fk}']).`),
  FFR_ERR_INLINE_PARENT: createError('FFR_ERR_INLINE_PARENT', (resource: string, key: string) =>
    `fastify-form-resources: resource ${q(resource)}: inlines.${key} must be an inline formset of the resource's own table: inlineFormSet(table, child, { ... }).`),
  FFR_ERR_INLINES_SAVE: createError('FFR_ERR_INLINES_SAVE', (resource: string) =>
    `fastify-form-resources: resource ${q(resource)} has inlines and overrides saveForm (or its form overrides save()); the parent and its children are written in one transaction by the default save: move the work into a clean hook or cleanForm.`),
  FFR_ERR_SQLITE_ASYNC: createError('FFR_ERR_SQLITE_ASYNC', () =>
    'fastify-form-resources: the SQLite adapter needs a synchronous driver (better-sqlite3); got an asynchronous one.')
}

/** `did you mean "title"?` for the known name nearest to `key`, else the list of known names. */
export function closest (key: string, known: readonly string[]): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const name of known) {
    const d = distance(key.toLowerCase(), name.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [name, d]
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))) return `did you mean ${q(best)}?`
  return known.length === 0 ? 'the form has no fields.' : `the fields are: ${known.join(', ')}.`
}

/** Damerau-Levenshtein distance with adjacent transpositions (`titel` is one from `title`). */
function distance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** Throws `FFR_ERR_UNKNOWN_FIELD` for the first key of `options` that is not a field. */
export function checkFieldKeys (where: string, option: string, options: object | undefined, known: readonly string[], also: readonly string[] = []): void {
  if (options === undefined || options === null) return
  for (const key of Object.keys(options)) {
    if (!known.includes(key) && !also.includes(key)) throw new codes.FFR_ERR_UNKNOWN_FIELD(where, key, option, known)
  }
}
