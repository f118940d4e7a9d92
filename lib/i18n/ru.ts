/**
 * The Russian catalog: every default message of the package by its English text (Django's
 * texts), translated by us after the sense of Django's own Russian catalog. A plural is
 * `[one, few, many]`, chosen by the count the English pair is chosen by (`Intl.PluralRules('ru')`).
 */
import type { Catalog } from './catalog.ts'

export const ru: Catalog = {
  // the conjunction of a list of labels (Django's get_text_list)
  and: 'и',
  // every kind
  'This field is required.': 'Обязательное поле.',
  'Enter a valid value.': 'Введите правильное значение.',
  'Select a valid choice. %(value)s is not one of the available choices.': 'Выберите корректный вариант. %(value)s нет среди допустимых значений.',
  'Ensure this value has at most %(limit_value)d character (it has %(show_value)d).': [
    'Убедитесь, что это значение содержит не более %(limit_value)d символа (сейчас %(show_value)d).',
    'Убедитесь, что это значение содержит не более %(limit_value)d символов (сейчас %(show_value)d).',
    'Убедитесь, что это значение содержит не более %(limit_value)d символов (сейчас %(show_value)d).'
  ],
  'Ensure this value has at least %(limit_value)d character (it has %(show_value)d).': [
    'Убедитесь, что это значение содержит не менее %(limit_value)d символа (сейчас %(show_value)d).',
    'Убедитесь, что это значение содержит не менее %(limit_value)d символов (сейчас %(show_value)d).',
    'Убедитесь, что это значение содержит не менее %(limit_value)d символов (сейчас %(show_value)d).'
  ],
  'Ensure this value is less than or equal to %(limit_value)s.': 'Убедитесь, что это значение меньше либо равно %(limit_value)s.',
  'Ensure this value is greater than or equal to %(limit_value)s.': 'Убедитесь, что это значение больше либо равно %(limit_value)s.',
  '%(model_name)s with this %(field_label)s already exists.': '%(model_name)s с таким значением поля «%(field_label)s» уже существует.',
  '%(model_name)s with this %(field_labels)s already exists.': '%(model_name)s с такими значениями полей %(field_labels)s уже существует.',
  '“%(pk)s” is not a valid value.': '“%(pk)s” не является верным значением.',
  'Enter a list of values.': 'Введите список значений.',
  'Null characters are not allowed.': 'Данные не могут содержать нулевые символы.',
  // numbers
  'Enter a whole number.': 'Введите целое число.',
  'Enter a number.': 'Введите число.',
  'Ensure that there are no more than %(max)s digit in total.': [
    'Убедитесь, что вы ввели не более %(max)s цифры.',
    'Убедитесь, что вы ввели не более %(max)s цифр.',
    'Убедитесь, что вы ввели не более %(max)s цифр.'
  ],
  'Ensure that there are no more than %(max)s decimal place.': [
    'Убедитесь, что вы ввели не более %(max)s цифры после запятой.',
    'Убедитесь, что вы ввели не более %(max)s цифр после запятой.',
    'Убедитесь, что вы ввели не более %(max)s цифр после запятой.'
  ],
  'Ensure that there are no more than %(max)s digit before the decimal point.': [
    'Убедитесь, что вы ввели не более %(max)s цифры перед запятой.',
    'Убедитесь, что вы ввели не более %(max)s цифр перед запятой.',
    'Убедитесь, что вы ввели не более %(max)s цифр перед запятой.'
  ],
  // dates, text kinds, JSON
  'Enter a valid date.': 'Введите правильную дату.',
  'Enter a valid date/time.': 'Введите правильные дату и время.',
  'Enter a valid time.': 'Введите правильное время.',
  'Enter a valid email address.': 'Введите правильный адрес электронной почты.',
  'Enter a valid URL.': 'Введите правильный URL.',
  'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.': 'Значение должно состоять только из латинских букв, цифр, знаков подчёркивания или дефиса.',
  'Enter a valid UUID.': 'Введите правильный UUID.',
  'Enter a valid JSON.': 'Введите правильный JSON.',
  'Ensure this value has at most %(limit_value)s levels of nesting.': 'Убедитесь, что вложенность этого значения не больше %(limit_value)s уровней.',
  // relations
  'Select a valid choice. That choice is not one of the available choices.': 'Выберите корректный вариант. Вашего варианта нет среди допустимых значений.',
  // arrays
  'Item %(nth)s in the array did not validate:': 'Элемент %(nth)s в массиве не прошёл проверку:',
  'List contains %(show_value)d item, it should contain no more than %(limit_value)d.': [
    'Список содержит %(show_value)d элемент, а должен содержать не более %(limit_value)d.',
    'Список содержит %(show_value)d элемента, а должен содержать не более %(limit_value)d.',
    'Список содержит %(show_value)d элементов, а должен содержать не более %(limit_value)d.'
  ],
  'List contains %(show_value)d item, it should contain no fewer than %(limit_value)d.': [
    'Список содержит %(show_value)d элемент, а должен содержать не менее %(limit_value)d.',
    'Список содержит %(show_value)d элемента, а должен содержать не менее %(limit_value)d.',
    'Список содержит %(show_value)d элементов, а должен содержать не менее %(limit_value)d.'
  ],
  // files
  'No file was submitted. Check the encoding type on the form.': 'Ни одного файла не было отправлено. Проверьте тип кодировки формы.',
  'The submitted file is empty.': 'Отправленный файл пуст.',
  'Ensure this filename has at most %(max)d character (it has %(length)d).': [
    'Убедитесь, что это имя файла содержит не более %(max)d символа (сейчас %(length)d).',
    'Убедитесь, что это имя файла содержит не более %(max)d символов (сейчас %(length)d).',
    'Убедитесь, что это имя файла содержит не более %(max)d символов (сейчас %(length)d).'
  ],
  'Please either submit a file or check the clear checkbox, not both.': 'Пожалуйста, загрузите файл или поставьте флажок «Очистить», но не то и другое сразу.',
  'Upload a valid image. The file you uploaded was either not an image or a corrupted image.': 'Загрузите правильное изображение. Файл, который вы загрузили, поврежден или не является изображением.',
  'File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s.': 'Расширение файлов “%(extension)s” не поддерживается. Разрешённые расширения: %(allowed_extensions)s.',
  'Ensure this file has at most %(limit_value)s bytes (it has %(show_value)s).': 'Убедитесь, что размер этого файла не больше %(limit_value)s байт (сейчас %(show_value)s).',
  // formsets
  'ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need to file a bug report if the issue persists.':
    'Данные управляющей формы отсутствуют или были подделаны. Отсутствующие поля: %(field_names)s. Если ошибка не исчезнет, сообщите о ней.',
  'Please submit at most %(num)d form.': [
    'Пожалуйста, отправьте не больше %(num)d формы.',
    'Пожалуйста, отправьте не больше %(num)d форм.',
    'Пожалуйста, отправьте не больше %(num)d форм.'
  ],
  'Please submit at least %(num)d form.': [
    'Пожалуйста, отправьте не меньше %(num)d формы.',
    'Пожалуйста, отправьте не меньше %(num)d форм.',
    'Пожалуйста, отправьте не меньше %(num)d форм.'
  ],
  'Please correct the duplicate data for %(field)s.': 'Пожалуйста, исправьте повторяющиеся данные в поле %(field)s.',
  'Please correct the duplicate data for %(field)s, which must be unique.': 'Пожалуйста, исправьте повторяющиеся данные в поле %(field)s, оно должно быть уникальным.',
  'Please correct the duplicate values below.': 'Пожалуйста, исправьте повторяющиеся значения ниже.',
  'The inline value did not match the parent instance.': 'Значение во вложенной форме не совпадает со значением родительского объекта.'
}
