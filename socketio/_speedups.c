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

static PyMethodDef speedups_methods[] = {
    {"fill_in", (PyCFunction)(void (*)(void))fill_in, METH_FASTCALL,
     "fill_in(data, attachments)\n--\n\n"
     "Replace the binary placeholders of decoded data in place; return the "
     "new top-level value."},
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
