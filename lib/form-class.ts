/**
 * `modelForm()`: a form class made from a Drizzle table or a `defineModel` model and its options
 * (Django's `ModelForm` with its `Meta`), its fields and checks worked out once, and the types
 * that name such a class and its fields.
 */
import type { Table } from 'drizzle-orm'
import type { Field } from './fields/index.ts'
import { ModelForm, type FormArgs } from './form.ts'
import { buildMeta, type ColumnKey, type DeclaredFields, type FormMeta, type ModelFormOptions } from './form-options.ts'
import { toModel, type Model } from './model.ts'

/** The field names of a form class: `FieldNames<typeof AuthorForm>` is `'name' | 'title' | 'birthDate'`. */
export type FieldNames<TForm> = TForm extends ModelFormClass<any, infer TNames> ? TNames : never

/** A form class made by `modelForm`, typed by its table and its field names. */
export type ModelFormClass<TTable extends Table = Table, TNames extends string = string> = (new (args?: FormArgs<TTable>) => ModelForm<TTable, TNames>) & {
  readonly meta: FormMeta
  readonly baseFields: Readonly<Record<TNames, Field>>
}

/**
 * Makes a form class over a Drizzle table or a `defineModel` model (Django's `ModelForm` with
 * its `Meta`). Gets the table and the options; returns the class. Throws at once
 * (`FFR_ERR_...`) when the options name no fields, or name a field that does not exist or
 * cannot be edited, in `fields` or in any option keyed by field.
 */
export function modelForm<TTable extends Table, TRelations extends string = never, TDeclared extends DeclaredFields = Record<never, Field>> (
  table: TTable | Model<TTable, TRelations>,
  options: ModelFormOptions<TTable, ColumnKey<TTable> | TRelations, TDeclared> & { fields?: '__all__' }
): ModelFormClass<TTable, ColumnKey<TTable> | TRelations | Extract<keyof TDeclared, string>>
export function modelForm<
  TTable extends Table,
  TRelations extends string = never,
  const TNames extends ColumnKey<TTable> | TRelations | Extract<keyof TDeclared, string> = ColumnKey<TTable>,
  TDeclared extends DeclaredFields = Record<never, Field>
> (table: TTable | Model<TTable, TRelations>, options: ModelFormOptions<TTable, TNames, TDeclared>): ModelFormClass<TTable, TNames | Extract<keyof TDeclared, string>>
export function modelForm<
  TTable extends Table,
  TRelations extends string = never,
  const TNames extends ColumnKey<TTable> | TRelations | Extract<keyof TDeclared, string> = ColumnKey<TTable>,
  TDeclared extends DeclaredFields = Record<never, Field>
> (table: TTable | Model<TTable, TRelations>, options: ModelFormOptions<TTable, TNames, TDeclared>): ModelFormClass<TTable, TNames | Extract<keyof TDeclared, string>> {
  const meta = buildMeta(toModel(table), options as unknown as ModelFormOptions<Table, string>)
  return class extends ModelForm<TTable, TNames | Extract<keyof TDeclared, string>> {
    static override meta = meta
  }
}
