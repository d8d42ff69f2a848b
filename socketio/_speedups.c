/*
 * Optional C speedups for socketio.packet.
 *
 * fill_in(data, attachments): put the binary attachments of a received
 * BINARY_EVENT / BINARY_ACK packet in place of their placeholders, i.e. every
 * dict whose "_placeholder" value is True becomes attachments[dict["num"]].
 * Lists and dicts (exact types, as made by the JSON decoder) are updated in
 * place; the new top-level value is returned. It does what the pure Python
 * socketio.packet._py_fill_in does, which is used when this module is not
 * built (the tests run both).
 *
 * parse_header(text, max_attachments): parse the header of a Socket.IO text
 * packet (type digit, attachment count of a binary packet, namespace, ack
 * id) like socketio.packet._py_parse_header, with the same ValueError
 * messages. Returns (type, count, namespace or None, id or None, data_start).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *str_placeholder;  /* "_placeholder" */
static PyObject *str_num;          /* "num" */

static PyObject *
invalid_placeholder(void)
{
    PyErr_SetString(PyExc_ValueError, "Invalid binary placeholder");
    return NULL;
}

/* New reference to the attachment a placeholder dict names. */
static PyObject *
attachment_for(PyObject *placeholder, PyObject *attachments)
{
    PyObject *num = PyDict_GetItemWithError(placeholder, str_num);
    Py_ssize_t index;

    if (num == NULL) {
        return PyErr_Occurred() ? NULL : invalid_placeholder();
    }
    if (!PyLong_CheckExact(num)) {  /* bool and float are not accepted */
        return invalid_placeholder();
    }
    index = PyLong_AsSsize_t(num);
    if (index == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return invalid_placeholder();
    }
    if (index < 0 || index >= PySequence_Fast_GET_SIZE(attachments)) {
        return invalid_placeholder();
    }
    num = PySequence_Fast_GET_ITEM(attachments, index);
    Py_INCREF(num);
    return num;
}

/* 1 if dict is a placeholder, 0 if not, -1 on error. */
static int
is_placeholder(PyObject *dict)
{
    PyObject *flag = PyDict_GetItemWithError(dict, str_placeholder);

    if (flag == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    return flag == Py_True;
}

#define IS_CONTAINER(obj) (PyDict_CheckExact(obj) || PyList_CheckExact(obj))

static PyObject *fill(PyObject *data, PyObject *attachments);

static int
fill_dict(PyObject *dict, PyObject *attachments)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value, *filled;

    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!IS_CONTAINER(value)) {
            continue;
        }
        filled = fill(value, attachments);
        if (filled == NULL) {
            return -1;
        }
        /* a new value for an existing key: the dict is not resized */
        if (filled != value && PyDict_SetItem(dict, key, filled) < 0) {
            Py_DECREF(filled);
            return -1;
        }
        Py_DECREF(filled);
    }
    return 0;
}

static int
fill_list(PyObject *list, PyObject *attachments)
{
    Py_ssize_t i;
    PyObject *value, *filled;

    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        value = PyList_GET_ITEM(list, i);
        if (!IS_CONTAINER(value)) {
            continue;
        }
        filled = fill(value, attachments);
        if (filled == NULL) {
            return -1;
        }
        if (filled != value) {
            PyList_SetItem(list, i, filled);  /* steals the reference */
        }
        else {
            Py_DECREF(filled);
        }
    }
    return 0;
}

/* New reference to what replaces data (data itself unless a placeholder). */
static PyObject *
fill(PyObject *data, PyObject *attachments)
{
    int status;

    if (PyDict_CheckExact(data)) {
        status = is_placeholder(data);
        if (status < 0) {
            return NULL;
        }
        if (status) {
            return attachment_for(data, attachments);
        }
    }
    else if (!PyList_CheckExact(data)) {
        Py_INCREF(data);
        return data;
    }
    if (Py_EnterRecursiveCall(" while filling in binary attachments")) {
        return NULL;
    }
    status = PyDict_CheckExact(data) ? fill_dict(data, attachments)
                                     : fill_list(data, attachments);
    Py_LeaveRecursiveCall();
    if (status < 0) {
        return NULL;
    }
    Py_INCREF(data);
    return data;
}

static PyObject *
fill_in(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *attachments, *result;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "fill_in() takes exactly 2 arguments (data, attachments)");
        return NULL;
    }
    attachments = PySequence_Fast(args[1], "attachments must be a sequence");
    if (attachments == NULL) {
        return NULL;
    }
    result = fill(args[0], attachments);
    Py_DECREF(attachments);
    return result;
}

/* ---- parse_header ------------------------------------------------------ */

#define BINARY_EVENT 5
#define BINARY_ACK 6
#define MAX_ID_DIGITS 100       /* longer ack ids are refused */
#define MAX_COUNT_DIGITS 9      /* longer attachment counts are refused */
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')  /* ASCII digits only */
/* the character at index of the str whose kind and data are in scope */
#define CHAR_AT(index) PyUnicode_READ(kind, data, (index))

static PyObject *
header_error(const char *message)
{
    PyErr_SetString(PyExc_ValueError, message);
    return NULL;
}

/* 1 if count > max_attachments, 0 if not, -1 on error (compared like
 * Python does, any type of max_attachments). */
static int
count_too_large(long count, PyObject *max_attachments)
{
    PyObject *py_count;
    int overflow, result;
    long max;

    if (PyLong_CheckExact(max_attachments)) {
        max = PyLong_AsLongAndOverflow(max_attachments, &overflow);
        if (overflow) {
            return overflow < 0;  /* below LONG_MIN: any count is larger */
        }
        if (max == -1 && PyErr_Occurred()) {
            return -1;
        }
        return count > max;
    }
    py_count = PyLong_FromLong(count);
    if (py_count == NULL) {
        return -1;
    }
    result = PyObject_RichCompareBool(py_count, max_attachments, Py_GT);
    Py_DECREF(py_count);
    return result;
}

/* Parse the attachment count of a binary packet: digits from index 1 and a
 * dash. Store the count and return the index after the dash, or -1 with an
 * exception set. */
static Py_ssize_t
parse_count(int kind, const void *data, Py_ssize_t n,
            PyObject *max_attachments, long *count)
{
    Py_ssize_t j, limit = n < MAX_ID_DIGITS + 1 ? n : MAX_ID_DIGITS + 1;
    long value = 0;
    Py_UCS4 c;
    int too_large;

    /* like the Python code, look at up to 100 digits before giving up */
    for (j = 1; j < limit; j++) {
        c = CHAR_AT(j);
        if (!IS_DIGIT(c)) {
            break;
        }
        if (j <= MAX_COUNT_DIGITS) {
            value = value * 10 + (long)(c - '0');
        }
    }
    if (j == 1 || j >= n || CHAR_AT(j) != '-') {
        header_error("Binary packet without attachment count");
        return -1;
    }
    if (j > MAX_COUNT_DIGITS + 1) {
        header_error("Too many attachments");
        return -1;
    }
    too_large = count_too_large(value, max_attachments);
    if (too_large) {
        if (too_large > 0) {
            header_error("Too many attachments");
        }
        return -1;
    }
    *count = value;
    return j + 1;
}

/* New reference to the int written with the ASCII digits text[start:end]. */
static PyObject *
digits_to_int(PyObject *text, int kind, const void *data, Py_ssize_t start,
              Py_ssize_t end)
{
    PyObject *digits, *result;
    long long value = 0;
    Py_ssize_t k;

    if (end - start <= 18) {  /* fits in a long long */
        for (k = start; k < end; k++) {
            value = value * 10 + (long long)(CHAR_AT(k) - '0');
        }
        return PyLong_FromLongLong(value);
    }
    digits = PyUnicode_Substring(text, start, end);
    if (digits == NULL) {
        return NULL;
    }
    result = PyLong_FromUnicodeObject(digits, 10);
    Py_DECREF(digits);
    return result;
}

/* New reference to the namespace starting with '/' at index start: up to
 * the first ',' (or the end), cut at '?'. Stores the index after it (after
 * the comma) in *next. NULL with an exception set if it is invalid. */
static PyObject *
parse_namespace(PyObject *text, int kind, const void *data, Py_ssize_t n,
                Py_ssize_t start, Py_ssize_t *next)
{
    Py_ssize_t end, k;
    Py_UCS4 c;

    end = PyUnicode_FindChar(text, ',', start, n, 1);
    if (end == -2) {
        return NULL;
    }
    if (end < 0) {
        end = *next = n;
    }
    else {
        *next = end + 1;
    }
    for (k = start; k < end; k++) {
        c = CHAR_AT(k);
        if (c == '?') {
            end = k;  /* the query string is not part of the namespace */
            break;
        }
    }
    for (k = start; k < end; k++) {
        c = CHAR_AT(k);
        if (c == '[' || c == '{' || c == '"') {
            return header_error("Invalid namespace");
        }
    }
    return PyUnicode_Substring(text, start, end);
}

static PyObject *
parse_header(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *namespace = NULL, *ack_id = NULL, *result;
    PyObject *items[5];
    Py_ssize_t n, i, j, limit;
    Py_UCS4 c;
    long ptype, count = 0;
    int kind, k;
    const void *data;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "parse_header() takes exactly 2 "
                        "arguments (text, max_attachments)");
        return NULL;
    }
    text = args[0];
    if (!PyUnicode_CheckExact(text)) {
        PyErr_SetString(PyExc_TypeError, "parse_header() text must be a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    n = PyUnicode_GET_LENGTH(text);
    if (n == 0) {
        return header_error("Empty packet");
    }
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);

    c = CHAR_AT(0);
    if (!IS_DIGIT(c)) {
        return header_error("Invalid packet type");
    }
    ptype = (long)(c - '0');
    i = 1;
    if (ptype == BINARY_EVENT || ptype == BINARY_ACK) {
        i = parse_count(kind, data, n, args[1], &count);
        if (i < 0) {
            return NULL;
        }
    }

    if (i < n) {
        c = CHAR_AT(i);
        if (c == '/') {
            namespace = parse_namespace(text, kind, data, n, i, &i);
            if (namespace == NULL) {
                return NULL;
            }
            c = i < n ? CHAR_AT(i) : 0;
        }
        if (IS_DIGIT(c)) {
            /* the ack id: up to MAX_ID_DIGITS digits */
            j = i + 1;
            limit = n < i + MAX_ID_DIGITS ? n : i + MAX_ID_DIGITS;
            while (j < limit && IS_DIGIT(CHAR_AT(j))) {
                j++;
            }
            if (j < n) {
                c = CHAR_AT(j);
                if (IS_DIGIT(c)) {
                    header_error("Packet id is too long");
                    goto error;
                }
                if (c == '-' && i == 1) {
                    header_error("Attachment count in a non-binary packet");
                    goto error;
                }
            }
            ack_id = digits_to_int(text, kind, data, i, j);
            if (ack_id == NULL) {
                goto error;
            }
            i = j;
        }
    }

    /* build the tuple; every item is a new reference (stolen) */
    items[0] = PyLong_FromLong(ptype);
    items[1] = PyLong_FromLong(count);
    if (namespace == NULL) {
        namespace = Py_None;
        Py_INCREF(namespace);
    }
    if (ack_id == NULL) {
        ack_id = Py_None;
        Py_INCREF(ack_id);
    }
    items[2] = namespace;
    items[3] = ack_id;
    items[4] = PyLong_FromSsize_t(i);
    namespace = ack_id = NULL;  /* owned by items[] now */
    result = NULL;
    if (items[0] != NULL && items[1] != NULL && items[4] != NULL) {
        result = PyTuple_New(5);
    }
    if (result == NULL) {
        for (k = 0; k < 5; k++) {
            Py_XDECREF(items[k]);
        }
        return NULL;
    }
    for (k = 0; k < 5; k++) {
        PyTuple_SET_ITEM(result, k, items[k]);
    }
    return result;

error:
    Py_XDECREF(namespace);
    Py_XDECREF(ack_id);
    return NULL;
}

static PyMethodDef speedups_methods[] = {
    {"fill_in", (PyCFunction)(void (*)(void))fill_in, METH_FASTCALL,
     "fill_in(data, attachments)\n--\n\n"
     "Replace the binary placeholders of decoded data in place; return the "
     "new top-level value."},
    {"parse_header", (PyCFunction)(void (*)(void))parse_header, METH_FASTCALL,
     "parse_header(text, max_attachments)\n--\n\n"
     "Parse the header of a Socket.IO text packet; return (type, count, "
     "namespace, id, data_start)."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "socketio._speedups",
    "Optional C speedups for socketio.packet.", -1, speedups_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_placeholder = PyUnicode_InternFromString("_placeholder");
    if (str_placeholder == NULL) {
        return NULL;
    }
    str_num = PyUnicode_InternFromString("num");
    if (str_num == NULL) {
        return NULL;
    }
    return PyModule_Create(&speedups_module);
}
