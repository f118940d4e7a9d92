// every test file counts towards the coverage of the whole package
export default () => ['dist/**/*.js']
