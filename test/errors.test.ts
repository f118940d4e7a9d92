import t from 'tap'
import * as api from 'fastify-form-resources'

t.test('every predefined error has its code, status and type', async (t) => {
  t.equal(api.INVALID_FORM_DATA.code, 105)
  t.equal(api.DOES_NOT_EXIST.httpStatus, 404)
})
