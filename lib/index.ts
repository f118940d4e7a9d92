import fp from 'fastify-plugin'
import { formResourcesPlugin } from './plugin.ts'

/** The fastify-form-resources plugin: `app.register(formResources, { db, prefix, resources })`. */
const formResources = fp(formResourcesPlugin, { fastify: '5.x', name: 'fastify-form-resources' })
export default formResources

export type { FormResourcesOptions, FormResourcesDecorator } from './plugin.ts'
export { ModelForm, type FormArgs, type ModelFormOptions, type SaveOptions, type CleanedValue, type ColumnKey } from './form.ts'
export { modelForm, type ModelFormClass, type FieldNames } from './form-class.ts'
export { fields, Field, type FieldKind, type FieldOptions, type Choice, type UploadedFile, type FileInput } from './fields/index.ts'
export { localStorage, s3Storage, flydriveStorage, uniqueKey, type FileStorage, type LocalStorage, type S3StorageOptions, type UploadTo } from './storage.ts'
export { uploadedFile } from './uploads.ts'
export { describeForm, describeField, type FieldDescription, type Widget } from './form-description.ts'
export { FormList } from './form-values.ts'
export type { MultipartOptions } from './multipart.ts'
export type { SuccessUrl, SuccessUrlContext } from './html.ts'
export { defineModel, type Model, type ModelOptions, type ModelFieldOptions, type ManyToManyOptions } from './model.ts'
export { modelFormSet, inlineFormSet, ModelFormSet, type FormSetArgs, type FormSetItem, type FormSetOptions, type InlineOptions, type FormSetMessageKey, type ModelFormSetClass } from './formset.ts'
export type { FormSetSaveOptions } from './formset-save.ts'
export { FormResource, type HttpMethod, type ParseHook, type StepContext, type FormResult, type CreateFormArgs, type HandleFormRequestArgs } from './resource.ts'
export { defineResource, type ResourceDefinition } from './define-resource.ts'
export { formatMessage, type ErrorMessages, type MessageKey } from './messages.ts'
export { codes, type SetupError } from './setup-errors.ts'
export {
  WebAPIError, ValidationError, ObjectDoesNotExist, PreconditionFailedError, NON_FIELD_ERRORS, type ErrorDict, type ValidationMessages, type MessageParams,
  DOES_NOT_EXIST, PERMISSION_DENIED, INVALID_ATTRIBUTE, NOT_LOGGED_IN, LOGIN_FAILED, INVALID_FORM_DATA,
  MISSING_ATTRIBUTE, DUPLICATE_ITEM, RATE_LIMIT_EXCEEDED, MALFORMED_BODY, UNSUPPORTED_MEDIA_TYPE,
  REQUEST_TOO_LARGE, PRECONDITION_FAILED, METHOD_NOT_ALLOWED, ITEM_IN_USE, SERVER_ERROR, SERVICE_UNAVAILABLE
} from './errors.ts'
export { DatabaseUnavailableError, DEFAULT_DB_TIMEOUT, type UnavailableReason } from './db/index.ts'
export { MAX_JSON_DEPTH } from './fields/json.ts'
