"""Portal pages: the public home and the reimbursement simulator."""
from django.shortcuts import render


def home(request):
    return render(request, "claims/home.html")


def simulator_page(request):
    return render(request, "claims/simulator.html")
